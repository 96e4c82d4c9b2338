"""The audit log is append-only and tamper-evident."""

import importlib
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record, audit_verify
from core.models import AuditEvent
from tests.factories import UserFactory


@pytest.mark.django_db
def test_events_chain_and_verify():
    actor = UserFactory()
    first = audit_record(action="auth.sign_in", actor=actor)
    second = audit_record(action="auth.sign_out", actor=actor)

    assert second.prev_hash == first.hash
    assert audit_verify() is None
    call_command("verify_audit")


@pytest.mark.django_db
def test_the_app_cannot_change_or_delete_events():
    audit_record(action="auth.sign_in")

    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_updates():
    event = audit_record(action="auth.sign_in")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'x' WHERE id = %s", [event.id])


def _without_trigger(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_append_only")
            cursor.execute(sql, params)
            cursor.execute(importlib.import_module("core.migrations.0003_audit_append_only").SQLITE_UP)


@pytest.mark.django_db(transaction=True)
def test_verify_audit_reports_the_first_row_edited_in_sql():
    actor = UserFactory()
    events = [audit_record(action="record.view", actor=actor, object_id=str(i)) for i in range(5)]

    _without_trigger("UPDATE core_auditevent SET object_id = 'changed' WHERE id = %s", [events[2].id])

    broken = audit_verify()
    assert broken is not None and broken.event_id == events[2].id
    with pytest.raises(CommandError, match=f"event {events[2].id}"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_verify_audit_reports_a_deleted_row():
    events = [audit_record(action="record.view", object_id=str(i)) for i in range(4)]

    if connection.vendor == "postgresql":
        _without_trigger("DELETE FROM core_auditevent WHERE id = %s", [events[1].id])
    else:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[1].id])

    broken = audit_verify()
    assert broken is not None and broken.event_id == events[2].id


def _delete_rows(ids: list[int]) -> None:
    sql = "DELETE FROM core_auditevent WHERE id >= %s AND id <= %s"
    if connection.vendor == "postgresql":
        _without_trigger(sql, [min(ids), max(ids)])
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [min(ids), max(ids)])


@pytest.mark.django_db(transaction=True)
def test_verify_audit_names_a_deleted_tail_against_the_signed_checkpoint(capsys):
    """The insider's first attack: delete the last rows. The chain that is left is whole, but the signed
    checkpoint outside the database says where it ended."""
    events = [audit_record(action="record.view", object_id=str(i)) for i in range(30)]
    call_command("audit_checkpoint")

    _delete_rows([e.id for e in events[-20:]])

    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    message = str(error.value)
    assert "tail was removed" in message and f"up to event {events[-1].id}" in message
    assert f"event {events[-21].id} (10 events)" in message
    assert error.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_verify_audit_catches_an_edited_row_whose_chain_was_recomputed():
    """The second attack: change a row and recompute every hash after it. Without AUDIT_KEY the attacker's
    MACs (here: under a guessed key) do not verify, at the first row changed."""
    from core.models import audit_mac, audit_payload

    events = [audit_record(action="record.view", object_id=str(i)) for i in range(6)]
    call_command("audit_checkpoint")
    prev = events[1].hash
    for event in events[2:]:
        event.refresh_from_db()
        event.prev_hash = prev
        if event.id == events[2].id:
            event.object_id = "someone-else"
        event.hash = audit_mac(b"the attacker's guess", audit_payload(event))
        _without_trigger(
            "UPDATE core_auditevent SET object_id = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.object_id, event.prev_hash, event.hash, event.id],
        )
        prev = event.hash

    with pytest.raises(CommandError, match=f"at event {events[2].id}: its contents do not match its MAC"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_a_forged_checkpoint_is_reported(settings):
    audit_record(action="auth.sign_in")
    call_command("audit_checkpoint")
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    line = json.loads(path.read_text().splitlines()[-1])
    path.write_text(path.read_text() + json.dumps({**line, "event_count": 1000}) + "\n")

    with pytest.raises(CommandError, match="line 2 of the checkpoint file has a bad signature"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_the_key_rotates_and_old_events_still_verify(settings, capsys):
    old = audit_record(action="auth.sign_in")
    settings.AUDIT_PREVIOUS_KEYS = {old.key_id: settings.AUDIT_KEY}
    settings.AUDIT_KEY_ID, settings.AUDIT_KEY = "2", "a-new-key-from-the-secrets-manager-0123456789"
    new = audit_record(action="auth.sign_out")
    call_command("audit_checkpoint")

    call_command("verify_audit")
    assert (old.key_id, new.key_id) == ("1", "2")
    assert "2 events verified" in capsys.readouterr().out

    settings.AUDIT_PREVIOUS_KEYS = {}  # the old key lost: its events can no longer be vouched for
    with pytest.raises(CommandError, match=f"at event {old.id}: it names key '1'"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_every_verification_is_kept_for_the_audit_page():
    from core.audit import audit_status

    audit_record(action="auth.sign_in")
    call_command("audit_checkpoint")
    call_command("verify_audit")

    status = audit_status()
    assert status["verification"].intact and status["verification"].events_checked == 1
    assert status["checkpoint"].event_count == 1


def test_every_action_the_code_writes_has_a_label_for_the_audit_filter():
    """The audit log's filter lists core.audit.ACTIONS (no scan of the log): an action written anywhere in the
    code but missing there could never be filtered on, and would show as a bare code. Each app registers the
    actions it writes (its apps.AUDIT_ACTIONS), core its own."""
    import importlib
    import re
    from pathlib import Path

    from django.apps import apps

    from core.audit import ACTIONS

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r'(?:audit_record\(\s*action=|_audit\(\s*|_event\([^)]*?)"([a-z_]+\.[a-z_]+)"', re.S)
    written_by: dict[str, set[str]] = {}
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if folder.parent != root:
            continue  # a library's app
        written_by[config.label] = {
            action
            for path in folder.rglob("*.py")
            if "migrations" not in path.parts
            for action in pattern.findall(path.read_text())
        }
    written = set().union(*written_by.values())
    assert len(written) > 40, "the scan found too few actions: has the way events are written changed?"
    assert written - set(ACTIONS) == set()
    assert all(label and label[0].isupper() for label in ACTIONS.values())
    for label, actions in written_by.items():
        if label == "demo":
            continue  # seed_scale writes the other apps' actions for its made-up history
        registered = getattr(importlib.import_module(f"{label}.apps"), "AUDIT_ACTIONS", {})
        if label == "core":
            registered = {name: text for name, text in ACTIONS.items() if name.startswith("auth.")}
        assert actions - set(registered) == set(), f"{label} writes these: add them to {label}/apps.py AUDIT_ACTIONS"


@pytest.mark.django_db
def test_the_beat_tasks_checkpoint_and_verify(settings):
    from core.models import AuditVerification
    from core.tasks import audit_checkpoint, audit_verify

    event = audit_record(action="auth.sign_in")

    assert audit_checkpoint.delay().get() == event.id
    assert audit_verify.delay().get() is True
    line = json.loads(Path(settings.AUDIT_CHECKPOINT_FILE).read_text().splitlines()[-1])
    assert line["last_event_id"] == event.id and line["event_count"] == 1 and line["signature"]
    assert AuditVerification.objects.get().intact
