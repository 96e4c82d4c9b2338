"""What only templates call, so vulture (tests/test_dead_code.py) counts it as used. Keep it short: names Django,
Celery and pytest call by convention are ignored in pyproject.toml's [tool.vulture] instead."""

from vulture.whitelist_utils import Whitelist

templates = Whitelist()

used_by_templates = [
    templates.sections,  # core.forms_profile: templates/registration/details.html
    templates.get_state_display,  # clinics.models (Clinic, ServedState): the directory and clinic pages
    templates.public_description,  # clinics.models.Clinic: the directory and clinic pages
    templates.time_zone_phrase,  # clinics.models.Clinic: templates/patients/submission.html
    templates.finding_rows,  # screening.selectors: templates/screening/_policy_preview_findings.html
    templates.move_rows,  # screening.selectors: templates/screening/_policy_preview.html
    templates.kind_label,  # screening.selectors_documents: templates/patients/documents.html
]
