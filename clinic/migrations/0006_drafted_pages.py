"""Home sections become page sections (home or visit page) with drafts; profiles gain one.

The visit page's transit, accessibility and paying/receipts texts move from the clinic
profile into visit-page sections (as the editor's HTML), and each therapist's bio becomes
the first draft and published text of their profile page.
"""

from django.db import migrations, models
from django.utils.html import linebreaks, strip_tags

# (heading, the clinic profile fields whose text the section takes), in page order.
VISIT_SECTIONS = [
    ("By transit or bike", ["transit"]),
    ("Accessibility", ["accessibility"]),
    ("Paying, HSA/FSA and receipts", ["payment_methods", "receipts"]),
]


def _html(text: str) -> str:
    return linebreaks(text, autoescape=True) if text.strip() else ""


def forward(apps, schema_editor):
    PageSection = apps.get_model("clinic", "PageSection")
    for section in PageSection.objects.all():
        section.draft_body = section.body  # what was live is the first draft
        section.save(update_fields=["draft_body"])
    profile = apps.get_model("clinic", "ClinicProfile").objects.filter(pk=1).first()
    if profile is not None:
        for ordering, (heading, fields) in enumerate(VISIT_SECTIONS, start=1):
            html = "\n".join(filter(None, (_html(getattr(profile, f)) for f in fields)))
            if html:
                PageSection.objects.create(
                    page="visit", heading=heading, body=html, draft_body=html, ordering=ordering
                )
    for about in apps.get_model("clinic", "TherapistProfile").objects.select_related("therapist"):
        about.bio = about.draft_bio = _html(about.therapist.bio)
        about.save(update_fields=["bio", "draft_bio"])


def backward(apps, schema_editor):
    PageSection = apps.get_model("clinic", "PageSection")
    visit = PageSection.objects.filter(page="visit")
    profile = apps.get_model("clinic", "ClinicProfile").objects.filter(pk=1).first()
    if profile is not None:
        for heading, fields in VISIT_SECTIONS:
            section = visit.filter(heading=heading).first()
            if section is not None:
                setattr(profile, fields[0], strip_tags(section.body).strip())
        profile.save()
    visit.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_roles"),
        ("clinic", "0005_content_pages"),
    ]

    operations = [
        migrations.RenameModel("HomeSection", "PageSection"),
        migrations.AlterModelOptions(
            name="pagesection",
            options={"ordering": ["page", "ordering", "pk"], "verbose_name": "page section"},
        ),
        migrations.AddField(
            model_name="pagesection",
            name="page",
            field=models.CharField(
                choices=[("home", "Home page"), ("visit", "Visit page")],
                default="home",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="pagesection",
            name="body",
            field=models.TextField(
                blank=True, help_text="What the page shows now.", verbose_name="published text"
            ),
        ),
        migrations.AddField(
            model_name="pagesection",
            name="draft_body",
            field=models.TextField(
                blank=True,
                help_text="Your working copy. Preview it, then tick “publish the draft” to make "
                "it live.",
                verbose_name="text",
            ),
        ),
        migrations.AlterField(
            model_name="pagesection",
            name="published",
            field=models.BooleanField(
                default=True, help_text="Unpublished sections are hidden from the public page."
            ),
        ),
        migrations.AddField(
            model_name="therapistprofile",
            name="bio",
            field=models.TextField(
                blank=True,
                help_text="What the therapist's page shows now.",
                verbose_name="published profile",
            ),
        ),
        migrations.AddField(
            model_name="therapistprofile",
            name="draft_bio",
            field=models.TextField(
                blank=True,
                help_text="The therapist's page: training, what they work on, their own running. "
                "Preview it, then tick “publish the draft” to make it live. (The short paragraph "
                "on the therapists list is the therapist's bio.)",
                verbose_name="profile",
            ),
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="clinicprofile", name="accessibility"),
        migrations.RemoveField(model_name="clinicprofile", name="payment_methods"),
        migrations.RemoveField(model_name="clinicprofile", name="receipts"),
        migrations.RemoveField(model_name="clinicprofile", name="transit"),
    ]
