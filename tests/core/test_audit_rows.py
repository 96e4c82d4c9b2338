"""The audit log's rows drawn in Python ({% audit_rows %}) are the HTML the template loop they replaced drew."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.template.context import RequestContext
from django.test import RequestFactory
from django.urls import reverse

from clinics.models import Role
from core.audit import audit_record
from core.models import AuditEvent
from tests.factories import UserFactory, audit_event_at, login_staff, make_clinic, make_staff

pytestmark = pytest.mark.django_db

# templates/clinics/audit_log.html's loop before it became {% audit_rows rows patient %}, unchanged.
TEMPLATE_LOOP = """{% for row in rows %}
      <tr>
        <td class="text-nowrap">{{ row.event.created_at|date:"M j, Y" }}<br><span class="small text-body-secondary">{{ row.event.created_at|date:"g:i:s A T" }}</span></td>
        <td>{{ row.label }}<br><code class="small">{{ row.event.action }}</code></td>
        <td class="text-nowrap">{% if row.event.actor %}{{ row.event.actor.get_full_name }}<br><span class="small text-body-secondary">{{ row.event.actor_email }}</span>{% elif row.event.actor_email %}{{ row.event.actor_email }}{% else %}System{% endif %}</td>
        <td class="small" data-audit-patient>{% if row.patient %}{% if patient %}{{ row.patient.0 }}{% else %}<a href="{% querystring patient=row.patient.1 before=None %}" title="Only this patient's events">{{ row.patient.0 }}</a>{% endif %}{% else %}—{% endif %}</td>
        <td class="small">{{ row.event.object_type|default:"—" }}{% if row.event.object_id %}<br><span class="text-body-secondary">{{ row.event.object_id }}</span>{% endif %}</td>
        <td class="small">
          {% for key, value in row.detail %}<div><span class="text-body-secondary">{{ key }}:</span> {{ value }}</div>{% endfor %}
          {% if row.event.ip_address %}<div><span class="text-body-secondary">from:</span> {{ row.event.ip_address }}</div>{% endif %}
        </td>
      </tr>
      {% endfor %}"""  # noqa: E501


def _draw(source: str, response, extra_rows=()) -> str:
    engine = engines["django"]
    context = {key: response.context[key] for key in ("rows", "patient", "clinic")}
    context["rows"] = [*context["rows"], *extra_rows]
    template = engine.from_string(
        "{% load audit_rows tz %}{% timezone clinic.time_zone %}" + source + "{% endtimezone %}"
    )
    return template.template.render(RequestContext(response.wsgi_request, context))


@pytest.fixture
def events():
    clinic = make_clinic(name="Cascade Ketamine Care", time_zone="America/Los_Angeles")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ana <O'Neil> & Co", email="ana@example.org")
    colleague = make_staff(clinic, Role.COORDINATOR, full_name="Cole Coordinator", email="cole@example.org")
    patient = UserFactory(full_name="Pat <Patient>", email="pat@example.org")
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    audit_record(action="policy.change", clinic=clinic, actor=admin, detail={"version": 2})
    audit_record(action="membership.deactivate", clinic=clinic, actor=admin, detail={"user_id": str(colleague.pk)})
    audit_record(
        action="case.view",
        clinic=clinic,
        actor=colleague,
        object_type="screening.reviewcase",
        object_id="42",
        request=request,
        detail={"patient_id": str(patient.pk), "reasons": ["a&b", "c"]},
    )
    audit_record(action="audit.checkpoint", clinic=clinic)  # by the system
    audit_record(action="not.a.known.action", clinic=clinic, actor=admin, detail={"note": "<script>"})
    # Late evening in Los Angeles is the next day in UTC: the date follows the clinic.
    audit_event_at(
        created_at=datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("America/Los_Angeles")),
        action="invitation.create",
        clinic=clinic,
        actor=colleague,
    )
    return clinic, admin, patient


# A row whose actor's account is gone: only the e-mail the event kept.
GONE = {
    "event": AuditEvent(
        created_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC), action="x.y", actor_email="gone@example.org"
    ),
    "label": "Something & more",
    "detail": [],
    "patient": None,
}


def test_the_audit_rows_are_the_template_loops_html(client, events):
    clinic, admin, patient = events
    login_staff(client, admin)
    url = reverse("clinics:audit_log", kwargs={"clinic_slug": clinic.slug})
    for query in ({}, {"patient": str(patient.pk)}, {"action": "case.view", "before": "999999"}):
        response = client.get(url, query)
        assert response.status_code == 200
        rows = _draw("{% audit_rows rows patient %}", response)
        assert rows == _draw(TEMPLATE_LOOP, response), query
        assert rows.count("<tr>") == len(response.context["rows"]) > 0
        assert rows.strip() in response.content.decode()
        assert _draw("{% audit_rows rows patient %}", response, [GONE]) == _draw(TEMPLATE_LOOP, response, [GONE])
    everyone = client.get(url).content.decode()
    assert "Ana &lt;O&#x27;Neil&gt; &amp; Co" in everyone and "System" in everyone
    assert "Pat &lt;Patient&gt;</a>" in everyone and "203.0.113.9" in everyone and "Mar 1, 2026" in everyone
