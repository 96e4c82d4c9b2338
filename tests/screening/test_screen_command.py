"""`manage.py screen` (DESIGN.md contract 2): JSON in, JSON out, exit 2 for anything invalid, never a traceback."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.screening.strategies import document

ROOT = Path(__file__).resolve().parents[2]
RESULT_KEYS = ["ruleset", "outcome", "priority", "findings", "trd", "phq9", "suicide_risk", "medications", "maudsley"]
NINETEEN = {"patient.date_of_birth": "2007-06-01"}  # 19 on 2026-11-02


def run(*args, stdin=None):
    """call_command; returns (printed JSON, CommandError or None)."""
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    try:
        call_command("screen", *args, **options)
    except CommandError as error:
        return (json.loads(out.getvalue()) if out.getvalue() else None), error
    return json.loads(out.getvalue()), None


def write(tmp_path, name, value):
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return str(path)


def test_object_in_object_out(tmp_path):
    printed, error = run(write(tmp_path, "doc.json", document()))
    assert error is None
    assert list(printed) == RESULT_KEYS
    assert printed["outcome"] == "eligible"


def test_array_in_array_out_in_order(tmp_path):
    docs = [document(), document({"patient.pregnancy": "yes"}), document({"suicide_screen.intent": True})]
    printed, error = run(write(tmp_path, "docs.json", docs))
    assert error is None
    assert [entry["outcome"] for entry in printed] == ["eligible", "ineligible", "needs_review"]
    assert printed[2]["priority"] == "urgent"


def test_empty_array(tmp_path):
    assert run(write(tmp_path, "docs.json", [])) == ([], None)


def test_stdin():
    printed, error = run("-", stdin=json.dumps(document({"substance_use.cannabis": True})))
    assert error is None
    assert printed["findings"][0]["code"] == "CANNABIS_USE"


def test_policy_changes_the_outcome(tmp_path):
    doc = write(tmp_path, "doc.json", document(NINETEEN))
    assert run(doc)[0]["outcome"] == "eligible"
    printed, error = run(doc, "--policy", write(tmp_path, "policy.json", {"min_age": 21}))
    assert error is None
    assert printed["outcome"] == "ineligible"
    assert printed["findings"][0]["message"] == "Age 19 on 2026-11-02 is below the clinic minimum of 21."


def test_blood_pressure_policy(tmp_path):
    doc = write(tmp_path, "doc.json", document({"medical_history.recent_bp": {"systolic": 150, "diastolic": 85}}))
    assert run(doc)[0]["outcome"] == "needs_review"
    policy = write(tmp_path, "policy.json", {"bp_flag_above": {"systolic": 160, "diastolic": 90}})
    assert run(doc, "--policy", policy)[0]["outcome"] == "eligible"


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ({"min_age": "18"}, "min_age: must be a whole number between 0 and 120"),
        ({"max_age": 65}, "max_age: is not a policy setting"),
        ({"bp_flag_above": {"systolic": 200, "diastolic": 90}}, "bp_flag_above.systolic: must not be above"),
        ([18], "must be an object of policy settings"),
        ("{not json", "is not valid JSON"),
    ],
)
def test_bad_policy(tmp_path, policy, words):
    printed, error = run(write(tmp_path, "doc.json", document()), "--policy", write(tmp_path, "p.json", policy))
    assert printed is None
    assert error.returncode == 2
    assert words in str(error)


def test_missing_policy_file(tmp_path):
    printed, error = run(write(tmp_path, "doc.json", document()), "--policy", str(tmp_path / "nope.json"))
    assert (printed, error.returncode) == (None, 2)
    assert "cannot read policy file" in str(error)


@pytest.mark.parametrize("text", ["{", "", '{"a": NaN}', "[1, 2", "not json at all", "[" * 100_000])
def test_file_not_json(tmp_path, text):
    printed, error = run(write(tmp_path, "doc.json", text))
    assert (printed, error.returncode) == (None, 2)
    assert "is not valid JSON" in str(error)


def test_file_not_utf8(tmp_path):
    path = tmp_path / "doc.json"
    path.write_bytes(b'{"name": "\xff"}')
    printed, error = run(str(path))
    assert (printed, error.returncode) == (None, 2)


def test_missing_file(tmp_path):
    printed, error = run(str(tmp_path / "missing.json"))
    assert (printed, error.returncode) == (None, 2)
    assert "cannot read file" in str(error)
    assert "missing.json" in str(error)


@pytest.mark.parametrize("value", [42, "text", None, True])
def test_top_level_neither_object_nor_array_is_one_invalid_document(tmp_path, value):
    printed, error = run(write(tmp_path, "doc.json", json.dumps(value)))
    assert printed == {"errors": [{"path": "", "message": "must be an intake document (a JSON object)"}]}
    assert error.returncode == 2


def test_invalid_object(tmp_path):
    printed, error = run(write(tmp_path, "doc.json", document({"antidepressant_trials[1].weeks_at_dose": 2000})))
    assert printed == {
        "errors": [
            {"path": "antidepressant_trials[1].weeks_at_dose", "message": "must be a whole number between 0 and 1040"}
        ]
    }
    assert error.returncode == 2


def test_mixed_array_keeps_errors_in_place(tmp_path):
    docs = [document(), {"schema": "intake-document/1"}, 7, document({"patient.pregnancy": "yes"})]
    printed, error = run(write(tmp_path, "docs.json", docs))
    assert error.returncode == 2
    assert "2 of 4" in str(error)
    assert len(printed) == 4
    assert list(printed[0]) == RESULT_KEYS
    assert list(printed[1]) == ["errors"]
    assert {"path": "patient", "message": "is required"} in printed[1]["errors"]
    assert printed[2] == {"errors": [{"path": "", "message": "must be an intake document (a JSON object)"}]}
    assert printed[3]["outcome"] == "ineligible"


def manage(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "manage.py", "screen", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_real_process_mixed_array_from_stdin():
    done = manage("-", stdin=json.dumps([document(), {"schema": "nope"}]))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "1 of 2 documents could not be screened" in done.stderr
    printed = json.loads(done.stdout)
    assert printed[0]["outcome"] == "eligible"
    assert {"path": "schema", "message": "must be one of: intake-document/1, intake-document/2"} in printed[1]["errors"]
    assert done.stdout.startswith('[\n  {\n    "ruleset"')  # indent=2


def test_real_process_valid_object():
    done = manage("-", stdin=json.dumps(document()))
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["outcome"] == "eligible"


@pytest.mark.parametrize(("args", "stdin"), [(["/nonexistent/doc.json"], ""), (["-"], "{oops"), (["-"], "")])
def test_real_process_bad_input_has_no_traceback(args, stdin):
    done = manage(*args, stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.strip()
