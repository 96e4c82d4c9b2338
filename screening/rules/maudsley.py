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


def maudsley_stage(doc: IntakeDocument, trd: Trd, phq9_band: str) -> Maudsley:
    other = doc.other_treatments
    psychotic = doc.psychiatric_history.psychosis == "current"
    severity = 5 if phq9_band == "severe" and psychotic else _SEVERITY[phq9_band]
    band_words = phq9_band.replace("_", " ") + (" with current psychosis" if severity == 5 else "")
    months = other.episode_months if other is not None else None
    parts = (
        MaudsleyPart(
            "duration",
            None if months is None else f"{months} months",
            None if months is None else _duration_points(months),
        ),
        MaudsleyPart("severity", f"PHQ-9 {band_words}", severity),
        MaudsleyPart(
            "failed_antidepressants",
            f"{trd.adequate_failed_trials} adequate failed",
            _failure_points(trd.adequate_failed_trials),
        ),
        MaudsleyPart(
            "augmentation",
            None if other is None else ("used" if other.augmentation else "not used"),
            None if other is None else int(bool(other.augmentation)),
        ),
        MaudsleyPart(
            "ect",
            None if other is None else ("used" if other.ect is not None else "not used"),
            None if other is None else int(other.ect is not None),
        ),
    )
    complete = all(part.points is not None for part in parts)
    score = sum(part.points or 0 for part in parts)
    band = next(name for top, name in BANDS if score <= top) if complete else None
    return Maudsley(score=score, band=band, complete=complete, parts=parts, source=SOURCE)
