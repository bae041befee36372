"""The clinic's own profile, its opening hours, and the site content admins edit.

Content models (page sections, reviews, therapist profiles) live here because the
site-wide app owns the public pages; the booking domain's Therapist stays as it is and
gains a public profile through a one-to-one row.
"""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from bookings import clock
from clinic.drafts import Drafted
from clinic.rich_text import render_rich_text, rich_text_field


class ClinicProfile(models.Model):
    """The one row describing the clinic; admins edit it, every page reads it."""

    name = models.CharField(max_length=120, default="Medical & Sports Massage")
    tagline = models.CharField(max_length=200, blank=True)
    street_address = models.CharField(max_length=200)
    locality = models.CharField("city", max_length=100, default="Sandy Springs")
    region = models.CharField("state", max_length=2, default="GA")
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=30)
    email = models.EmailField()
    parking = models.TextField(help_text="How to get here and where to park.")
    what_to_wear = models.TextField(help_text="What to wear and bring to a session.")
    cancellation_policy = models.TextField()
    hero_heading = models.CharField(
        "home page heading", max_length=120, default="Sports massage built for runners"
    )
    hero_text = models.TextField("home page introduction", blank=True)
    map_url = models.URLField(
        "map link",
        blank=True,
        help_text="A link to the clinic on a map site. Empty: a map search for the address.",
    )
    hero_picture = models.ForeignKey(
        "clinic.Picture",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="home page picture",
        help_text="Empty: the demo illustration.",
    )
    review_markup = models.BooleanField(
        "mark up reviews for search engines",
        default=False,
        help_text="Add schema.org Review and AggregateRating data to pages showing reviews. "
        "Leave off unless the reviews are independently collected: search engines treat "
        "reviews a business picks itself as self-serving.",
    )

    class Meta:
        verbose_name = "clinic profile"
        constraints = [
            # A singleton: the primary key is always 1.
            models.CheckConstraint(condition=models.Q(pk=1), name="clinicprofile_singleton"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ClinicProfile":
        """Return the clinic's profile, or an unsaved default when none exists yet."""
        return cls.objects.select_related("hero_picture").filter(pk=1).first() or cls(pk=1)

    @property
    def phone_href(self) -> str:
        """Return the phone number as a tel: link target."""
        return "tel:+1" + "".join(ch for ch in self.phone if ch.isdigit())[-10:]

    @property
    def address_lines(self) -> list[str]:
        """Return the postal address as two lines."""
        return [self.street_address, f"{self.locality}, {self.region} {self.postal_code}"]

    @property
    def map_href(self) -> str:
        """Return the admin's map link, or a map search for the address (a plain link)."""
        if self.map_url:
            return self.map_url
        query = urlencode({"api": 1, "query": f"{self.name}, {', '.join(self.address_lines)}"})
        return f"https://www.google.com/maps/search/?{query}"

    @cached_property
    def hours(self) -> list["OpeningHours"]:
        """Return the opening hours, read once per request (the footer shows them too)."""
        return list(OpeningHours.objects.all())


class OpeningHours(models.Model):
    """The clinic's doors-open hours for one weekday (shown to visitors and search engines)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="openinghours_closes_after_opens",
            ),
            models.UniqueConstraint(fields=["weekday", "opens"], name="openinghours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {clock.time_range(self.opens, self.closes)}"

    def clean(self) -> None:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time."})

    @property
    def schema_day(self) -> str:
        """Return the schema.org day name (https://schema.org/DayOfWeek)."""
        return self.Weekday(self.weekday).label


class Picture(models.Model):
    """An uploaded picture: its renditions (made once at upload) and its alt text.

    The upload itself is not kept: only metadata-free renditions are (clinic.pictures).
    """

    alt = models.CharField(
        "alt text",
        max_length=200,
        help_text="What the picture shows, for people who cannot see it. Required.",
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    renditions = models.JSONField(default=list, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.alt

    def _srcset(self, fmt: str) -> str:
        return ", ".join(
            f"{default_storage.url(r['name'])} {r['width']}w"
            for r in self.renditions
            if r["fmt"] == fmt
        )

    @property
    def srcset_webp(self) -> str:
        """Return the WebP renditions as a srcset value."""
        return self._srcset("webp")

    @property
    def srcset_jpeg(self) -> str:
        """Return the JPEG renditions as a srcset value."""
        return self._srcset("jpeg")

    @property
    def src(self) -> str:
        """Return the URL of a mid-sized JPEG, for browsers that ignore srcset."""
        jpegs = [r for r in self.renditions if r["fmt"] == "jpeg"]
        return default_storage.url(jpegs[min(1, len(jpegs) - 1)]["name"]) if jpegs else ""


class PageSectionQuerySet(models.QuerySet):
    def published(self) -> "PageSectionQuerySet":
        return self.filter(published=True)

    def of(self, page: str) -> "PageSectionQuerySet":
        return self.filter(page=page)


class PageSection(Drafted, models.Model):
    """One section of the home or visit page, in the admin's order, drafted before it is live."""

    DRAFTS = {"draft_body": "body"}

    class Page(models.TextChoices):
        HOME = "home", "Home page"
        VISIT = "visit", "Visit page"

    page = models.CharField(max_length=10, choices=Page.choices, default=Page.HOME)
    heading = models.CharField(max_length=120)
    body = rich_text_field("published text", blank=True, help_text="What the page shows now.")
    draft_body = rich_text_field(
        "text",
        blank=True,
        help_text="Your working copy. Preview it, then tick “publish the draft” to make it live.",
    )
    ordering = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")
    published = models.BooleanField(
        default=True, help_text="Unpublished sections are hidden from the public page."
    )

    objects = PageSectionQuerySet.as_manager()

    class Meta:
        ordering = ["page", "ordering", "pk"]
        verbose_name = "page section"

    def __str__(self) -> str:
        return f"{self.get_page_display()}: {self.heading}"

    @cached_property
    def body_html(self) -> SafeString:
        """Return the published text, sanitized."""
        return render_rich_text(self.body)

    @cached_property
    def draft_html(self) -> SafeString:
        """Return the draft text, sanitized (for staff previews only)."""
        return render_rich_text(self.draft_body)


class ReviewQuerySet(models.QuerySet):
    def published(self) -> "ReviewQuerySet":
        return self.filter(published=True)


class Review(models.Model):
    """A client's words about the clinic, added by an admin with the client's permission."""

    quote = models.TextField(max_length=600)
    first_name = models.CharField(max_length=40)
    race = models.CharField(
        "race or distance", max_length=80, blank=True, help_text="e.g. Peachtree Road Race 10K."
    )
    rating = models.PositiveSmallIntegerField(
        "stars", validators=[MinValueValidator(1), MaxValueValidator(5)], default=5
    )
    service = models.ForeignKey(
        "services.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
        help_text="Also shown on this service's page.",
    )
    published = models.BooleanField(default=True)
    ordering = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_one_to_five"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name}, {self.rating} stars"


class TherapistProfile(Drafted, models.Model):
    """A therapist's public page details that the booking domain does not need."""

    DRAFTS = {"draft_bio": "bio"}

    therapist = models.OneToOneField(
        "bookings.Therapist", on_delete=models.CASCADE, related_name="profile"
    )
    license_number = models.CharField(
        "Georgia massage license number",
        max_length=20,
        help_text="As issued by the Georgia Board of Massage Therapy, e.g. MT012345.",
    )
    practicing_since = models.PositiveSmallIntegerField(
        "in practice since (year)", validators=[MinValueValidator(1950)]
    )
    portrait = models.CharField(
        max_length=200,
        blank=True,
        help_text="A static image path, e.g. img/therapists/maya-brooks.svg.",
    )
    portrait_alt = models.CharField("portrait description", max_length=200, blank=True)
    photo = models.ForeignKey(
        Picture,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An uploaded photo; shown instead of the portrait illustration.",
    )
    bio = rich_text_field(
        "published profile", blank=True, help_text="What the therapist's page shows now."
    )
    draft_bio = rich_text_field(
        "profile",
        blank=True,
        help_text="The therapist's page: training, what they work on, their own running. "
        "Preview it, then tick “publish the draft” to make it live. (The short paragraph "
        "on the therapists list is the therapist's bio.)",
    )

    class Meta:
        verbose_name = "therapist profile"

    def __str__(self) -> str:
        return f"Profile of {self.therapist}"

    @cached_property
    def bio_html(self) -> SafeString:
        """Return the published profile, sanitized."""
        return render_rich_text(self.bio)

    @cached_property
    def draft_html(self) -> SafeString:
        """Return the draft profile, sanitized (for staff previews only)."""
        return render_rich_text(self.draft_bio)

    @property
    def years_in_practice(self) -> int:
        """Return whole years since the therapist started practicing (at least one)."""
        return max(1, timezone.localdate().year - self.practicing_since)


class RateLimitWindow(models.Model):
    """How often one key (a hashed client IP or email) acted in one fixed time window.

    Shared by every gunicorn worker because it lives in PostgreSQL; see clinic.ratelimit.
    """

    key = models.CharField(max_length=80)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="ratelimitwindow_unique_key_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimitwindow_start_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {clock.moment(self.window_start)}: {self.count}"
