"""What a member may do to a worklist entry or an appointment now: the answer of `allowed_actions`.

The pages draw a button for each allowed action; the services call `require` before they write, so a refusal
reads the same wherever it is met.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError


@dataclass(frozen=True)
class Actions:
    refusals: dict[str, str]  # every action of the record: "" when allowed, else the one message saying why not
    forbidden: frozenset[str] = field(default_factory=frozenset)  # refused for the member's role, not the state

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(action for action, why in self.refusals.items() if not why)

    def require(self, action: str) -> None:
        """PermissionDenied when the role may not, ValidationError when the record's state does not allow it."""
        why = self.refusals[action]
        if why:
            raise PermissionDenied(why) if action in self.forbidden else ValidationError(why)
