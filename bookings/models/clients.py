"""Clients, known by email without a password, and their private runner intake."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower

from bookings import clock, phones


class ClientQuerySet(models.QuerySet):
    def with_email(self, email: str) -> "ClientQuerySet":
        """Return the client(s) with this email, ignoring case (uses the unique index)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower())


class Client(models.Model):
    """A person who books sessions; no password, known by email.

    One client per email, ignoring case, so a returning runner's bookings land on one record
    and the front desk finds one history. Phone and walk-in clients may have no email.
    """

    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    staff_notes = models.TextField(
        blank=True, help_text="Private notes for staff; never shown to the client."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # "Find my bookings" links are signed, not stored, so they are revoked by date: a link
    # signed at or before this instant is refused (bookings/links.py).
    links_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the front desk erases the client's personal and health data on request.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Set when the runner (their email's unsubscribe link) or the desk turns rebook nudges
    # off; None means they get them. Read again when each nudge is sent.
    nudges_off_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="client_unique_email",
                violation_error_message="A client with this email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def phone_display(self) -> str:
        """Return the phone number the one way the clinic writes it, "(404) 555-0111"."""
        return phones.display(self.phone)


class RunnerIntake(models.Model):
    """What a runner tells us before a first visit. Private: staff pages only.

    Never put any of it in a URL, a log line, an email or a calendar file.
    """

    class Area(models.TextChoices):
        CALVES = "calves"
        HAMSTRINGS = "hamstrings"
        QUADS = "quads"
        GLUTES = "glutes"
        HIP_FLEXORS = "hip_flexors", "Hip flexors"
        IT_BAND = "it_band", "IT band"
        ACHILLES = "achilles", "Achilles"
        PLANTAR_FASCIA = "plantar_fascia", "Plantar fascia"
        SHINS = "shins"
        KNEES = "knees"
        OTHER = "other"

    class Distance(models.TextChoices):
        FIVE_K = "5k", "5K"
        TEN_K = "10k", "10K"
        HALF = "half", "Half marathon"
        MARATHON = "marathon", "Marathon"
        ULTRA = "ultra", "Ultra"
        OTHER = "other", "Other"

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="intake")
    weekly_mileage = models.PositiveSmallIntegerField(
        "weekly mileage (miles)", null=True, blank=True, validators=[MaxValueValidator(300)]
    )
    next_race_date = models.DateField(null=True, blank=True)
    next_race_distance = models.CharField(max_length=10, choices=Distance.choices, blank=True)
    tight_areas = ArrayField(
        models.CharField(max_length=20, choices=Area.choices), default=list, blank=True
    )
    other_area = models.CharField("other area", max_length=200, blank=True)
    health_conditions = models.TextField(max_length=2000, blank=True)
    medications = models.TextField(max_length=2000, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    is_minor = models.BooleanField("under 18", default=False)
    guardian_name = models.CharField(max_length=120, blank=True)
    policy_consent_at = models.DateTimeField()
    policy_version = models.CharField(max_length=20)
    treatment_consent_at = models.DateTimeField()
    treatment_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_minor=False) | ~models.Q(guardian_name=""),
                name="runnerintake_minor_has_guardian",
                violation_error_message="A runner under 18 needs a parent or guardian's name.",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake of {self.client}"

    def get_tight_areas_display(self) -> list[str]:
        return [self.Area(area).label for area in self.tight_areas]


class IntakeChange(models.Model):
    """One save of a runner's intake that changed something: which answers, from what to what.

    Private like the intake itself: staff pages only, never a log line, URL or email.
    """

    intake = models.ForeignKey(RunnerIntake, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField()
    # Staff who changed it in the admin; None when the runner did, online.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # {"field": [before, after]}, with dates as ISO strings and cleared answers as "".
    changes = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"Intake change of {self.intake.client} at {clock.moment(self.changed_at)}"


class BookingConsent(models.Model):
    """A consent given for one booking, with the version of the text agreed to."""

    class Kind(models.TextChoices):
        TERMS = "terms", "Cancellation policy and treatment"
        GUARDIAN = "guardian", "Parent or guardian"

    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.CharField(max_length=20)
    agreed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind"], name="bookingconsent_one_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} consent ({self.version})"


class Guardian(models.Model):
    """The parent or guardian who consents to a minor's booking (a minor by date of birth)."""

    appointment = models.OneToOneField(
        "bookings.Appointment", on_delete=models.CASCADE, related_name="guardian"
    )
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=30)
    relationship = models.CharField(max_length=60)
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"
