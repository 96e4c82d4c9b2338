"""Every contact attempt now names its clinic and patient (filled in 0002, in its own transaction so
PostgreSQL has no pending foreign-key checks when the columns become NOT NULL)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_contact_attempt_per_patient"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contactattempt",
            name="clinic",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="clinics.clinic"),
        ),
        migrations.AlterField(
            model_name="contactattempt",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AlterField(
            model_name="contactattempt",
            name="entry",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contact_attempts",
                to="scheduling.worklistentry",
            ),
        ),
        migrations.AddIndex(
            model_name="contactattempt",
            index=models.Index(fields=["clinic", "patient", "-at"], name="contact_attempt_patient"),
        ),
    ]
