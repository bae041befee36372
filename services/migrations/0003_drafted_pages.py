"""FAQ answers are drafted with their service's body: what is live now is the first draft."""

from django.db import migrations, models


def answers_become_drafts(apps, schema_editor):
    Question = apps.get_model("services", "Question")
    Question.objects.update(draft_answer=models.F("answer"))


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0002_content_pages"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="draft_answer",
            field=models.TextField(
                blank=True, help_text="Published with the service's draft.", verbose_name="answer"
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="answer",
            field=models.TextField(blank=True, verbose_name="published answer"),
        ),
        migrations.RunPython(answers_become_drafts, migrations.RunPython.noop),
    ]
