"""The Maudsley Staging Method (Fekadu et al. 2009): how treatment-resistant the depression is, 3 to 15.

Informational only: it changes no finding, outcome or priority. Parts:
- duration of the current episode: up to 12 months 1, 13-24 months 2, more than 24 months 3;
- severity (from the PHQ-9 band here): minimal 1 (subsyndromal), mild 2, moderate and moderately severe 3,
  severe 4, severe with current psychosis 5;
- failed antidepressants (the trials counting towards TRD, §3): 1-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-10 -> 4,
  more than 10 -> 5 (none: 0);
- augmentation used: 1; ECT used: 1.
A version 1 document does not ask the duration, augmentation or ECT: those parts are unknown and the score
is marked incomplete (the sum of the known parts).
"""

from __future__ import annotations

from .document import IntakeDocument
from .result import Maudsley, MaudsleyPart, Trd

SOURCE = "Maudsley Staging Method (Fekadu et al. 2009, J Affect Disord)"
BANDS = ((6, "mild"), (10, "moderate"), (15, "severe"))
_SEVERITY = {"minimal": 1, "mild": 2, "moderate": 3, "moderately_severe": 3, "severe": 4}
_FAILURES = ((0, 0), (2, 1), (4, 2), (6, 3), (10, 4))


def _duration_points(months: int) -> int:
    return 1 if months <= 12 else 2 if months <= 24 else 3


def _failure_points(failed: int) -> int:
    return next((points for top, points in _FAILURES if failed <= top), 5)


# The parts a version 1 document cannot tell, made once.
_UNKNOWN = {name: MaudsleyPart(name, None, None) for name in ("duration", "augmentation", "ect")}
_SEVERITY_PARTS = {
    band: MaudsleyPart("severity", f"PHQ-9 {band.replace('_', ' ')}", points) for band, points in _SEVERITY.items()
}
_PSYCHOTIC_SEVERE = MaudsleyPart("severity", "PHQ-9 severe with current psychosis", 5)


def _used(name: str, used: bool) -> MaudsleyPart:
    return MaudsleyPart(name, "used" if used else "not used", int(used))


def maudsley_stage(doc: IntakeDocument, trd: Trd, phq9_band: str) -> Maudsley:
    other = doc.other_treatments
    if phq9_band == "severe" and doc.psychiatric_history.psychosis == "current":
        severity = _PSYCHOTIC_SEVERE
    else:
        severity = _SEVERITY_PARTS[phq9_band]
    failed = trd.adequate_failed_trials
    failures = MaudsleyPart("failed_antidepressants", f"{failed} adequate failed", _failure_points(failed))
    if other is None:
        parts = (_UNKNOWN["duration"], severity, failures, _UNKNOWN["augmentation"], _UNKNOWN["ect"])
    else:
        months = other.episode_months
        duration = (
            _UNKNOWN["duration"]
            if months is None
            else MaudsleyPart("duration", f"{months} months", _duration_points(months))
        )
        parts = (
            duration,
            severity,
            failures,
            _used("augmentation", bool(other.augmentation)),
            _used("ect", other.ect is not None),
        )
    complete = all(part.points is not None for part in parts)
    score = sum(part.points or 0 for part in parts)
    band = next(name for top, name in BANDS if score <= top) if complete else None
    return Maudsley(score=score, band=band, complete=complete, parts=parts, source=SOURCE)
