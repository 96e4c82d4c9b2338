"""Where each page's time goes, from py-spy's collapsed stacks of the gunicorn workers (`--profile mixed`).

`python -m benchmarks.load.profile_pages test-artifacts/bench/profile-mixed.txt` prints, per view, its share of
the workers' samples and how they split: the password hash, SQL (Django's ORM and psycopg), crispy-forms,
other template rendering, the session written back, and the rest of the view. Samples outside any view are
the middleware, gunicorn and idle waiting, split the same way.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

# The first match wins, in this order (a query run from a template counts as SQL).
CATEGORIES = (
    ("hash", ("argon2", "hashers.py")),
    ("session save", ("sessions/backends/db.py:save", "sessions/middleware.py")),
    ("sql", ("django/db/", "psycopg")),
    ("crispy", ("crispy_forms/",)),
    ("templates", ("django/template/", "django/forms/")),
    ("i18n", ("django/utils/translation/", "gettext.py")),
)
APPS = ("core", "clinics", "intake", "screening", "scheduling", "patients", "dashboard", "demo")
IDLE = ("accept (", "select (", "wait (", "sleep (", "poll (")


def view_of(frames: list[str]) -> str | None:
    for frame in frames:
        name, _, where = frame.partition(" (")
        path = where.split(":")[0]
        if any(f"/{app}/views" in path or path.startswith(f"{app}/views") for app in APPS):
            return f"{path.rsplit('/', 2)[-2]}.{name}"
    return None


def category(stack: str) -> str:
    for label, needles in CATEGORIES:
        if label == "session save":
            if "sessions/backends/db.py" in stack and "save (" in stack:
                return label
            continue
        if any(needle in stack for needle in needles):
            return label
    return "other"


def summary(path: Path) -> list[str]:
    per_view: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if frames and any(frames[-1].startswith(word) for word in IDLE):
            continue  # a worker waiting for a request
        n = int(count)
        total += n
        view = view_of(frames) or "(outside a view: middleware, gunicorn)"
        per_view[view][category(stack)] += n
    labels = [label for label, _ in CATEGORIES] + ["other"]
    head = f"{'view':<48} {'share':>6} " + " ".join(f"{label:>12}" for label in labels)
    lines = [f"busy samples: {total}", head]
    for view, cats in sorted(per_view.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(cats.values())
        shares = " ".join(f"{100 * cats.get(label, 0) / n:>11.0f}%" for label in labels)
        lines.append(f"{view[:48]:<48} {100 * n / max(total, 1):>5.1f}% {shares}")
    return lines


if __name__ == "__main__":
    print("\n".join(summary(Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/bench/profile-mixed.txt"))))
