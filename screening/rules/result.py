"""What screening returns: findings, the outcome they imply, and the summaries clinicians read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    URGENT = "urgent"
    EXCLUDE = "exclude"
    FLAG = "flag"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """0 for the strongest (urgent); findings are sorted by it."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    INELIGIBLE = "ineligible"


class Priority(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity.value, "message": self.message, "source": self.source}


@dataclass(frozen=True, slots=True)
class TrialAssessment:
    """One antidepressant trial as judged for TRD; `drug_class` is "class" in JSON."""

    drug: str
    generic: str | None
    drug_class: str | None
    adequate: bool
    failed: bool
    reasons: tuple[str, ...]

    @property
    def counts(self) -> bool:
        """Adequate, failed, and not a repeat of an antidepressant already counted (§3)."""
        return self.adequate and self.failed and "repeated" not in self.reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "generic": self.generic,
            "class": self.drug_class,
            "adequate": self.adequate,
            "failed": self.failed,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Trd:
    met: bool
    adequate_failed_trials: int
    classes: tuple[str, ...]
    trials: tuple[TrialAssessment, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "met": self.met,
            "adequate_failed_trials": self.adequate_failed_trials,
            "classes": list(self.classes),
            "trials": [trial.to_dict() for trial in self.trials],
        }


@dataclass(frozen=True, slots=True)
class Phq9:
    total: int
    severity: str

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "severity": self.severity}


@dataclass(frozen=True, slots=True)
class MedicationSummary:
    name: str
    generic: str | None
    classes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "generic": self.generic, "classes": list(self.classes)}


@dataclass(frozen=True, slots=True)
class MaudsleyPart:
    """One part of the Maudsley score: what it was read from (None: not known) and its points."""

    name: str
    value: str | None
    points: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "points": self.points}


@dataclass(frozen=True, slots=True)
class Maudsley:
    """The Maudsley Staging Method score: informational, it changes no outcome."""

    score: int
    band: str | None
    complete: bool
    parts: tuple[MaudsleyPart, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "band": self.band,
            "complete": self.complete,
            "parts": [part.to_dict() for part in self.parts],
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Maudsley:
        return cls(
            score=data["score"],
            band=data["band"],
            complete=data["complete"],
            parts=tuple(MaudsleyPart(p["name"], p["value"], p["points"]) for p in data["parts"]),
            source=data["source"],
        )


@dataclass(frozen=True, slots=True)
class Result:
    ruleset: str
    outcome: Outcome
    priority: Priority
    findings: tuple[Finding, ...]
    trd: Trd
    phq9: Phq9
    suicide_risk: str
    medications: tuple[MedicationSummary, ...]
    maudsley: Maudsley | None = None  # results of ruleset 2026.12 and before have none

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of SCREENING_RULES.md §4, as the screen command prints it (plus `maudsley`)."""
        data = {
            "ruleset": self.ruleset,
            "outcome": self.outcome.value,
            "priority": self.priority.value,
            "findings": [finding.to_dict() for finding in self.findings],
            "trd": self.trd.to_dict(),
            "phq9": self.phq9.to_dict(),
            "suicide_risk": self.suicide_risk,
            "medications": [medication.to_dict() for medication in self.medications],
        }
        if self.maudsley is not None:
            data["maudsley"] = self.maudsley.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Rebuild a stored result (the inverse of `to_dict`)."""
        trd = data["trd"]
        return cls(
            ruleset=data["ruleset"],
            outcome=Outcome(data["outcome"]),
            priority=Priority(data["priority"]),
            findings=tuple(
                Finding(f["code"], Severity(f["severity"]), f["message"], f["source"]) for f in data["findings"]
            ),
            trd=Trd(
                met=trd["met"],
                adequate_failed_trials=trd["adequate_failed_trials"],
                classes=tuple(trd["classes"]),
                trials=tuple(
                    TrialAssessment(
                        t["drug"], t["generic"], t["class"], t["adequate"], t["failed"], tuple(t["reasons"])
                    )
                    for t in trd["trials"]
                ),
            ),
            phq9=Phq9(data["phq9"]["total"], data["phq9"]["severity"]),
            suicide_risk=data["suicide_risk"],
            medications=tuple(
                MedicationSummary(m["name"], m["generic"], tuple(m["classes"])) for m in data["medications"]
            ),
            maudsley=Maudsley.from_dict(data["maudsley"]) if data.get("maudsley") else None,
        )
