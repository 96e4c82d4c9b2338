"""The audit chain becomes a keyed MAC with a key id per event, anchored by signed checkpoints; PostgreSQL
refuses UPDATE, DELETE and TRUNCATE of the log.

Existing events were chained with plain SHA-256: that chain is checked first (a broken one stops the
migration: re-keying it would launder the damage), then every event is re-chained under AUDIT_KEY.
"""

import hashlib
import json

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64

# TRUNCATE is refused too. The one exception: the test runner's flush of a test database (test_*), which
# sets ketamine.audit_test_flush on its own connection (tests/conftest.py). Someone who can drop a trigger can
# do more than that; what catches them is the MAC and the signed checkpoints, not the trigger.
PG_UP = """
CREATE OR REPLACE FUNCTION core_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
  IF left(current_database(), 5) = 'test_' AND current_setting('ketamine.audit_test_flush', true) = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
CREATE TRIGGER core_auditevent_no_truncate
  BEFORE TRUNCATE ON core_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_no_truncate();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_no_truncate();
"""
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS core_auditevent_append_only BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""


def _legacy_hash(event) -> str:
    payload = [
        event.prev_hash,
        event.created_at.isoformat(),
        str(event.actor_id or ""),
        event.actor_email,
        str(event.clinic_id or ""),
        event.action,
        event.object_type,
        event.object_id,
        event.ip_address or "",
        event.detail,
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def rechain(apps, schema_editor):
    from core.models import audit_mac, audit_payload

    AuditEvent = apps.get_model("core", "AuditEvent")
    vendor = schema_editor.connection.vendor
    events = list(AuditEvent.objects.order_by("id"))
    expected = GENESIS
    for event in events:
        if event.prev_hash != expected or _legacy_hash(event) != event.hash:
            raise RuntimeError(
                f"The audit log is already broken at event {event.id}; not re-keying it. "
                "Run the previous release's verify_audit and investigate first."
            )
        expected = event.hash
    if events:
        if vendor == "postgresql":
            schema_editor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        elif vendor == "sqlite":
            schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_append_only")
        key = settings.AUDIT_KEY.encode()
        prev = GENESIS
        for event in events:
            event.prev_hash = prev
            event.key_id = settings.AUDIT_KEY_ID
            event.hash = audit_mac(key, audit_payload(event))
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, key_id=event.key_id, hash=event.hash)
            prev = event.hash
        if vendor == "postgresql":
            schema_editor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)  # adding the column may have rebuilt the table without it
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)


def unchain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_patient_profile'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('last_event_id', models.BigIntegerField()),
                ('last_hash', models.CharField(max_length=64)),
                ('event_count', models.BigIntegerField()),
                ('signature', models.CharField(max_length=200)),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='AuditVerification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('checked_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('intact', models.BooleanField()),
                ('events_checked', models.BigIntegerField(default=0)),
                ('first_bad_id', models.BigIntegerField(blank=True, null=True)),
                ('problem', models.CharField(blank=True, max_length=300)),
                ('checkpoint_event_id', models.BigIntegerField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='key_id',
            field=models.CharField(default='', max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(rechain, unchain),
    ]
