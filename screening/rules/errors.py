"""Error values shared by document validation and policy validation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field: `path` like `antidepressant_trials[1].weeks_at_dose`, "" for the whole."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class PolicyError(ValueError):
    """A clinic policy that cannot be used; `errors` lists every problem found."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        super().__init__("; ".join(f"{e.path}: {e.message}" if e.path else e.message for e in self.errors))
