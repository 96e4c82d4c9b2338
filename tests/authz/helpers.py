"""Building blocks for authorization-matrix entries."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Expect:
    """Expected status per role; `default` for roles not named. method is GET or POST."""

    statuses: dict[str, int] = field(default_factory=dict)
    default: int = 404
    method: str = "get"

    def status_for(self, role: str) -> int:
        return self.statuses.get(role, self.default)


def public(status: int = 200, method: str = "get") -> Expect:
    return Expect(default=status, method=method)


def signed_in(status: int = 200, method: str = "get", **overrides: int) -> Expect:
    """Any signed-in user; anonymous visitors are sent to sign in."""
    return Expect(statuses={"anonymous": 302, **overrides}, default=status, method=method)


def staff(*roles: str, status: int = 200, method: str = "get", staff_b: int = 404) -> Expect:
    """Staff of clinic A in `roles`; everyone else signed in gets 404, anonymous is sent to sign in."""
    statuses = {"anonymous": 302, "staff_b": staff_b}
    statuses.update(dict.fromkeys(roles, status))
    return Expect(statuses=statuses, default=404, method=method)


def patient_own(status: int = 200, method: str = "get", **overrides: int) -> Expect:
    """Only the patient who owns the record; any other signed-in user gets 404."""
    return Expect(statuses={"anonymous": 302, "patient": status, **overrides}, default=404, method=method)


ALL_STAFF_A = ("admin_a", "psychiatrist_a", "coordinator_a")


def anonymous_only(status: int = 200, method: str = "get") -> Expect:
    """Pages for signing in or up: signed-in users are sent on to their home page."""
    return Expect(statuses={"anonymous": status}, default=302, method=method)
