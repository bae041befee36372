"""The clinic's massage services and the lengths (with prices) they can be booked in."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from clinic.drafts import Drafted
from clinic.rich_text import render_rich_text, rich_text_field
from services import colours


def validate_calendar_colour(value: str) -> None:
    """Refuse a colour that is not ``#rrggbb`` or on which no text colour reaches WCAG AA."""
    if not colours.HEX.match(value):
        raise ValidationError("Enter a colour as # and six hex digits, e.g. #a9d8e0.")
    best = colours.contrast(value, colours.ink_for(value))
    if best < colours.AA:
        raise ValidationError(
            f"Text on this colour would be hard to read (contrast {best:.1f}:1, at least "
            f"{colours.AA}:1 is needed). Choose a lighter or a darker colour."
        )


class ServiceQuerySet(models.QuerySet):
    def published(self) -> "ServiceQuerySet":
        return self.filter(published=True)


class Service(Drafted, models.Model):
    """A service page: what it is, whom it helps, and how long it can be booked for."""

    DRAFTS = {"draft_body": "body"}

    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField(
        max_length=300, help_text="One or two sentences shown on the services list."
    )
    body = rich_text_field(
        "published body", blank=True, help_text="What the public page shows now."
    )
    draft_body = rich_text_field(
        "body",
        blank=True,
        help_text="Your working copy: headings, lists, links, tables, callouts and pictures "
        "are kept; scripts and other unsafe HTML are removed. Preview it, then tick "
        "“publish the draft” to make it live.",
    )
    seo_description = models.CharField(
        "SEO description",
        max_length=160,
        help_text="Shown by search engines under the page title (up to 160 characters).",
    )
    ordering = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")
    published = models.BooleanField(
        default=False, help_text="Unpublished services are hidden from the public site."
    )
    hero = models.ForeignKey(
        "clinic.Picture",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="page picture",
        help_text="Shown at the top of the page. Empty: the demo illustration, if any.",
    )
    colour = models.CharField(
        "calendar color",
        max_length=7,
        default=colours.PALETTE[0],
        validators=[validate_calendar_colour],
        help_text="How the front desk's calendar shows this service's appointments. Text on "
        "it is dark or white, whichever reads better.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("services:detail", kwargs={"slug": self.slug})

    @cached_property
    def body_html(self) -> SafeString:
        """Return the published body, sanitized."""
        return render_rich_text(self.body)

    @cached_property
    def draft_html(self) -> SafeString:
        """Return the draft body, sanitized (for staff previews only)."""
        return render_rich_text(self.draft_body)

    @property
    def ink(self) -> str:
        """Return the text colour that reads on this service's calendar colour."""
        return colours.ink_for(self.colour) if colours.HEX.match(self.colour) else colours.DARK_INK

    @property
    def has_unpublished_draft(self) -> bool:
        """Return whether the body's or an answer's draft differs from the live page."""
        questions = self.questions.all()
        return super().has_unpublished_draft or any(q.has_unpublished_draft for q in questions)


class ServiceLength(models.Model):
    """One bookable length of a service, with its price and the turnover time around it."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="lengths")
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(15)])
    price = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    buffer_before = models.PositiveSmallIntegerField(
        "buffer before (minutes)", default=0, help_text="Set-up time the room and therapist need."
    )
    buffer_after = models.PositiveSmallIntegerField(
        "buffer after (minutes)", default=15, help_text="Turnover time after the session."
    )

    class Meta:
        ordering = ["minutes"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "minutes"], name="servicelength_unique_minutes"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gte=15), name="servicelength_min_length"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="servicelength_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.title}, {self.minutes} min"

    @property
    def label(self) -> str:
        """Return e.g. "60 minutes · $95"."""
        return f"{self.minutes} minutes · ${self.price:,.0f}"


class QuestionQuerySet(models.QuerySet):
    def answered(self) -> "QuestionQuerySet":
        """Return the questions with a published answer (a new one waits for its service's)."""
        return self.exclude(answer="")


class Question(Drafted, models.Model):
    """A frequently asked question about a service, answered on its page.

    Its answer is drafted with the service's body and published with it.
    """

    DRAFTS = {"draft_answer": "answer"}

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="questions")
    question = models.CharField(max_length=200)
    answer = rich_text_field("published answer", blank=True)
    draft_answer = rich_text_field(
        "answer", blank=True, help_text="Published with the service's draft."
    )
    ordering = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "pk"]
        verbose_name = "frequently asked question"

    def __str__(self) -> str:
        return self.question

    @cached_property
    def answer_html(self) -> SafeString:
        """Return the published answer, sanitized."""
        return render_rich_text(self.answer)

    @cached_property
    def draft_html(self) -> SafeString:
        """Return the draft answer, sanitized (for staff previews only)."""
        return render_rich_text(self.draft_answer)
