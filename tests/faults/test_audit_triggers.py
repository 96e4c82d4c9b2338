"""An insider with the application's database account tries to trim or rewrite the audit log.

PostgreSQL's triggers refuse UPDATE, DELETE and TRUNCATE of core_auditevent. Past the triggers (someone who
can drop them), the signed checkpoint outside the database still shows the removed tail to verify_audit.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AuditEvent

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

ATTEMPTS = {
    "update": "UPDATE core_auditevent SET action = 'auth.sign_in' WHERE id = (SELECT max(id) FROM core_auditevent)",
    "delete": "DELETE FROM core_auditevent WHERE id = (SELECT max(id) FROM core_auditevent)",
    "truncate": "TRUNCATE core_auditevent",
}


@pytest.mark.parametrize("statement", sorted(ATTEMPTS))
def test_the_database_refuses_to_change_the_log(transactional_db, statement):
    events = [audit_record(action="record.view", object_id=str(i)) for i in range(3)]

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # Not the test runner's flush: the exception that lets a test database be emptied between tests is off.
        cursor.execute("SET LOCAL ketamine.audit_test_flush = off")
        cursor.execute(ATTEMPTS[statement])

    assert list(AuditEvent.objects.order_by("id").values_list("id", "hash")) == [(e.id, e.hash) for e in events]


def test_with_the_trigger_dropped_verify_audit_still_names_the_deleted_tail(transactional_db):
    events = [audit_record(action="record.view", object_id=str(i)) for i in range(25)]
    call_command("audit_checkpoint")
    try:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
            cursor.execute("DELETE FROM core_auditevent WHERE id > %s", [events[4].id])
        assert AuditEvent.objects.count() == 5

        with pytest.raises(CommandError) as error:
            call_command("verify_audit")

        assert error.value.returncode == 1
        assert f"the log ends at event {events[4].id} (5 events)" in str(error.value)
        assert f"25 events up to event {events[-1].id}: the tail was removed" in str(error.value)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent "
                "FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()"
            )
