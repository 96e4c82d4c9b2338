"""`manage.py screen [--policy POLICY.json] FILE|-`: screen intake documents, print results as JSON (DESIGN.md, 2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.rules import Policy, PolicyError, screen

INVALID = 2  # exit status for an invalid document, policy or file


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _read_json(path: str, stdin: TextIO, what: str) -> Any:
    """The JSON value in a file (or stdin for "-"); a CommandError with a plain message otherwise."""
    label = "standard input" if path == "-" else f"{what} {path}"
    try:
        text = stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CommandError(f"{label} is not UTF-8 text", returncode=INVALID) from None
    except OSError as error:
        raise CommandError(f"cannot read {label}: {error.strerror or error}", returncode=INVALID) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError; so are over-long ints
        raise CommandError(f"{label} is not valid JSON: {error}", returncode=INVALID) from None


class Command(BaseCommand):
    help = (
        "Screen one intake document (a JSON object) or several (an array) from FILE, or from stdin with '-', "
        "and print the results as JSON. Exits 2 when any document, the policy or the file is invalid."
    )
    requires_system_checks: list[str] = []  # pure: no database, settings checks are not its business
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="a JSON intake document or array of them; - reads stdin")
        parser.add_argument(
            "--policy",
            metavar="POLICY.json",
            help="clinic policy as JSON (keys of SCREENING_RULES.md section 2); defaults apply to missing keys",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        policy = Policy()
        if options["policy"]:
            try:
                policy = Policy.from_dict(_read_json(options["policy"], stdin, "policy file"))
            except PolicyError as error:
                raise CommandError(f"invalid policy {options['policy']}: {error}", returncode=INVALID) from None
        data = _read_json(options["file"], stdin, "file")
        documents = data if isinstance(data, list) else [data]
        entries = [self._screen(document, policy) for document in documents]
        self.stdout.write(json.dumps(entries if isinstance(data, list) else entries[0], indent=2))
        invalid = sum(1 for entry in entries if "errors" in entry)
        if invalid:
            raise CommandError(
                f"{invalid} of {len(entries)} documents could not be screened (see their errors)"
                if isinstance(data, list)
                else "the document could not be screened (see its errors)",
                returncode=INVALID,
            )

    @staticmethod
    def _screen(document: object, policy: Policy) -> dict[str, Any]:
        outcome = screen(document, policy)
        if isinstance(outcome, list):
            return {"errors": [error.to_dict() for error in outcome]}
        return outcome.to_dict()
