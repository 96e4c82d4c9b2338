"""The contact log becomes one per patient and clinic (psychiatrists log calls from the case page too):
each existing attempt takes its clinic and patient from its worklist entry; the entry becomes optional."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_clinic_and_patient(apps, schema_editor):
    ContactAttempt = apps.get_model("scheduling", "ContactAttempt")
    WorklistEntry = apps.get_model("scheduling", "WorklistEntry")
    entries = WorklistEntry.objects.filter(pk=models.OuterRef("entry_id"))
    ContactAttempt.objects.filter(clinic__isnull=True).update(
        clinic_id=models.Subquery(entries.values("clinic_id")[:1]),
        patient_id=models.Subquery(entries.values("patient_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0007_scheduling_and_dashboard_moved_out"),
        ("scheduling", "0002_clinic_closure"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contactattempt",
            name="clinic",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="clinics.clinic"
            ),
        ),
        migrations.AddField(
            model_name="contactattempt",
            name="patient",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.RunPython(fill_clinic_and_patient, migrations.RunPython.noop),
    ]
