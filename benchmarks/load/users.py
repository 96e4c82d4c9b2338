"""The users and their journeys: patients through the intake, staff through their pages, coordinators booking."""

from __future__ import annotations

import argparse
import random
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from .browser import Browser
from .common import PASSWORD, FlowError, Stop
from .seed import Seeded, StaffAccount, _scenario_names


@dataclass
class Pages:
    """The staff pages found in the URL configuration at run time, as paths ready to GET."""

    psychiatrist: list[tuple[str, Callable[[], str]]]
    coordinator: list[tuple[str, Callable[[], str]]]
    admin: list[tuple[str, Callable[[], str]]]


class World:
    """What the user threads share: the stack's port, accounts, prepared drafts, pages, stats and bounds."""

    def __init__(self, port: int, seeded: Seeded, args: argparse.Namespace) -> None:
        self.port = port
        self.seeded = seeded
        self.args = args
        self.lock = threading.Lock()
        self.patients = list(seeded.patients)
        self.prepared = list(seeded.prepared)
        self.staff_by_role: dict[str, list[StaffAccount]] = defaultdict(list)
        for account in seeded.staff:
            self.staff_by_role[account.role].append(account)
        self.pages: Pages | None = None
        self.to_book: list[str] = []  # worklist entries still "to contact": coordinators book them
        self.staff_cookies: dict[tuple[str, int], dict[str, str]] = {}  # (role, index) -> a signed-in session
        self.label_cache: dict[tuple[str, str], str] = {}

    def take_patient(self) -> str | None:
        with self.lock:
            return self.patients.pop() if self.patients else None

    def take_entry(self) -> str | None:
        with self.lock:
            return self.to_book.pop() if self.to_book else None

    def take_prepared(self) -> tuple[str, str] | None:
        with self.lock:
            return self.prepared.pop() if self.prepared else None

    def staff_for(self, role: str, index: int) -> StaffAccount:
        accounts = self.staff_by_role[role]
        if not accounts:
            raise FlowError(f"no {role} account in the bench clinic")
        return accounts[index % len(accounts)]

    def label(self, method: str, path: str) -> str:
        key = (method, path)
        label = self.label_cache.get(key)
        if label is None:
            label = _route_label(method, path)
            with self.lock:
                if len(self.label_cache) < 100_000:
                    self.label_cache[key] = label
        return label


def _route_label(method: str, path: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return f"{method} {path}"
    name = match.view_name
    if name == "intake:step":
        step = match.kwargs.get("step")
        if step == "review":
            name = "intake:submit" if method == "POST" else "intake:review"
    return f"{method} {name}"


def think(rng: random.Random, args: argparse.Namespace) -> None:
    low, high = args.think
    if high > 0:
        time.sleep(rng.uniform(low, high))


def patient_journey(browser: Browser, world: World, rng: random.Random) -> None:
    """Find the clinic, sign in, start, answer every step, check, submit, read the result, sign out."""
    from intake import steps
    from tests.intake.answers import post_data, scenario

    email = world.take_patient()
    if email is None:
        raise Stop
    args = world.args
    slug = world.seeded.clinic_slug
    answers = scenario(_scenario_names(rng, 1)[0])
    browser.get("/clinics/?state=OR")
    think(rng, args)
    browser.get(f"/clinics/{slug}/")
    think(rng, args)
    browser.get(f"/account/sign-in/?clinic={slug}")
    think(rng, args)
    target = browser.post("/account/sign-in/", {"username": email, "password": PASSWORD})
    if browser.follow(target) != "/patient/":
        browser._unexpected("POST account:login", "sign-in did not land on the patient dashboard")
    think(rng, args)
    browser.get(f"/patient/start/{slug}/")
    think(rng, args)
    target = browser.post(f"/patient/start/{slug}/", {})
    draft_match = re.match(r"^/patient/intake/([0-9a-f-]{36})/", target)
    if not draft_match:
        browser._unexpected("POST intake:start", f"start did not open a draft: {target}")
    draft = draft_match.group(1)
    path = browser.follow(target)
    for name in steps.ANSWER_STEPS:
        step_path = f"/patient/intake/{draft}/{name}/"
        if path != step_path:
            browser.get(step_path)
        think(rng, args)
        target = browser.post(step_path, post_data(name, answers[name]))
        if target == step_path:
            browser._unexpected("POST intake:step", f"step {name} refused the answers")
        path = browser.follow(target)
        if "/reach-out/" in path:  # high-risk safety answers: help first, then carry on
            think(rng, args)
            path = browser.follow(f"/patient/intake/{draft}/")
    review = f"/patient/intake/{draft}/review/"
    if path != review:
        browser._unexpected("GET intake:review", f"the last step did not lead to the review page: {path}")
    think(rng, args)
    target = browser.post(review, {"action": "next"})
    if not target.startswith("/patient/sent/"):
        browser._unexpected("POST intake:submit", f"submit did not lead to the result: {target}")
    browser.follow(target)
    think(rng, args)
    browser.get("/patient/")
    browser.post("/account/sign-out/", {})


def staff_sign_in(browser: Browser, account: StaffAccount, rng: random.Random, args: argparse.Namespace) -> None:
    from django_otp.oath import totp

    browser.get("/account/sign-in/")
    think(rng, args)
    target = browser.post("/account/sign-in/", {"username": account.email, "password": PASSWORD})
    if not target.startswith("/account/second-factor/"):
        browser._unexpected("POST account:login", f"staff sign-in did not ask for the second factor: {target}")
    browser.get(target)
    think(rng, args)
    code = f"{totp(account.totp_key):06d}"
    target = browser.post(target, {"token": code})
    if target.startswith("/account/second-factor/"):
        browser._unexpected("POST account:two_factor", "the TOTP code was refused")
    browser.follow(target)


def staff_session(browser: Browser, world: World, role: str, index: int, rng: random.Random, stop_at: float) -> None:
    """Sign in once per run (TOTP codes are single-use per 30 s window), then browse the role's pages."""
    account = world.staff_for(role, index)
    key = (role, index)
    if key in world.staff_cookies:
        browser.cookies = dict(world.staff_cookies[key])
    else:
        staff_sign_in(browser, account, rng, world.args)
        world.staff_cookies[key] = dict(browser.cookies)
    pages = getattr(world.pages, "admin" if role == "clinic_admin" else role)
    while time.monotonic() < stop_at:
        for _name, make_path in pages:
            think(rng, world.args)
            status, location, _ = browser.get(make_path(), expect=None)
            if status != 200:
                world.staff_cookies.pop(key, None)
                browser._unexpected(f"GET {_name}", f"{status} {location}")
        if role == "coordinator":
            book_evaluation(browser, world, rng)
        world.staff_cookies[key] = dict(browser.cookies)


SLOT_INPUT = re.compile(rb'name="slot" id="[^"]*" value="([^"]+)"')


def book_evaluation(browser: Browser, world: World, rng: random.Random) -> None:
    """A coordinator books a waiting patient's evaluation: the free times with a psychiatrist, one of them
    chosen, then the appointment. Two coordinators choosing the same time is refused with a message, as it
    should be; that is counted as "slot taken", not as an error."""
    entry = world.take_entry()
    if entry is None or not world.seeded.psychiatrist_ids:
        return
    slug = world.seeded.clinic_slug
    path = f"/staff/{slug}/worklist/{entry}/book/"
    clinician = rng.choice(world.seeded.psychiatrist_ids)
    think(rng, world.args)
    _, _, page = browser.get(f"{path}?{urlencode({'type': 'evaluation_60', 'clinician': clinician})}")
    slots = SLOT_INPUT.findall(page)
    if not slots:
        browser._unexpected("GET scheduling:book", "no free time offered")
    think(rng, world.args)
    data = {"type": "evaluation_60", "clinician": clinician, "slot": rng.choice(slots[:40]).decode()}
    status, location, _ = browser.request("POST", path, data)
    if status == 200:  # refused: someone booked that time a moment ago (the page says so)
        browser.stats.add("POST scheduling:book (slot taken)", 0.0)
        return
    if status != 302 or "/appointments/" not in location:
        browser._unexpected("POST scheduling:book", f"{status} {location}")
    browser.follow(urlsplit(location).path)


def discover_pages(world: World) -> Pages:
    """Staff pages by role, from the URL configuration as it is now (queue, case, worklist... when present)."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    from clinics.models import Clinic
    from scheduling.models import WorklistEntry

    clinic = Clinic.objects.get(slug=world.seeded.clinic_slug)
    ids = _record_ids(clinic)
    waiting = WorklistEntry.objects.filter(clinic=clinic, status=WorklistEntry.Status.TO_CONTACT)
    with world.lock:
        world.to_book = [str(pk) for pk in waiting.order_by("created_at").values_list("pk", flat=True)[:2000]]

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "bench"}:
                    continue
                ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                yield from walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + pattern.name, list(pattern.pattern.converters)

    named = dict(walk(get_resolver().url_patterns))

    def page(name: str) -> tuple[str, Callable[[], str]] | None:
        if name not in named:
            return None
        kwarg_names = named[name]

        def make() -> str:
            kwargs = {k: _kwarg_value(name, k, clinic, ids) for k in kwarg_names}
            return reverse(name, kwargs=kwargs)

        try:
            make()
        except (LookupError, ValueError, IndexError):
            print(f"  (skipping {name}: no record in the bench clinic for {kwarg_names})")
            return None
        except Exception as exc:  # NoReverseMatch and friends: the page is not usable as-is
            print(f"  (skipping {name}: {exc})")
            return None
        return name, make

    def pages_for(role: str, names: tuple[str, ...]) -> list[tuple[str, Callable[[], str]]]:
        found = []
        for name in names:
            if name in named and _allowed(name, role) and (entry := page(name)):
                found.append(entry)
        return found

    return Pages(
        psychiatrist=pages_for("psychiatrist", PSYCHIATRIST_PAGES),
        coordinator=pages_for("coordinator", COORDINATOR_PAGES),
        admin=pages_for("clinic_admin", ADMIN_PAGES),
    )


# What each role opens in a loop, when the page exists at run time (a case twice: the queue leads to cases).
PSYCHIATRIST_PAGES = (
    "clinics:staff_home",
    "screening:queue",
    "screening:case",
    "screening:case",
    "notifications:inbox",
    "screening:policy",
)
COORDINATOR_PAGES = (
    "clinics:staff_home",
    "scheduling:worklist",
    "scheduling:worklist_entry",
    "scheduling:calendar",
    "scheduling:appointment",
    "clinics:directory",
)
ADMIN_PAGES = ("dashboard:dashboard", "clinics:audit_log", "clinics:members", "screening:policy")
MATRIX_ROLE = {"psychiatrist": "psychiatrist_a", "coordinator": "coordinator_a", "clinic_admin": "admin_a"}


def _allowed(name: str, role: str) -> bool:
    """Whether the authorization matrix lets this role GET the page (unknown pages: try them)."""
    try:
        from tests.authz_matrix import EXPECTED
    except Exception:  # the tests are not importable here: try every page
        return True
    entry = EXPECTED.get(name)
    if entry is None:
        return True
    for expect in entry if isinstance(entry, tuple) else (entry,):
        if expect.method == "get":
            return expect.status_for(MATRIX_ROLE[role]) == 200
    return False


def _record_ids(clinic: Any) -> dict[str, list[Any]]:
    from django.apps import apps

    from intake.models import IntakeSubmission
    from scheduling.models import WorklistEntry
    from screening.models import ReviewCase

    ids: dict[str, list[Any]] = {
        "case": list(
            ReviewCase.objects.filter(clinic=clinic).order_by("-created_at").values_list("pk", flat=True)[:200]
        ),
        "entry": list(
            WorklistEntry.objects.filter(clinic=clinic).order_by("-created_at").values_list("pk", flat=True)[:200]
        ),
        "submission": list(
            IntakeSubmission.objects.filter(clinic=clinic).order_by("-submitted_at").values_list("pk", flat=True)[:200]
        ),
    }
    ids["patient"] = list(
        IntakeSubmission.objects.filter(pk__in=ids["submission"]).values_list("patient_id", flat=True)
    )
    try:
        appointment = apps.get_model("clinics", "Appointment")
        ids["appointment"] = list(
            appointment.objects.filter(clinic=clinic).order_by("-starts_at").values_list("pk", flat=True)[:200]
        )
    except LookupError:
        ids["appointment"] = []
    return ids


def _kwarg_value(url_name: str, kwarg: str, clinic: Any, ids: dict[str, list[Any]]) -> Any:
    if kwarg in {"clinic_slug", "slug"}:
        return clinic.slug
    if kwarg == "version":
        return 1
    for kind in ("case", "entry", "submission", "appointment", "patient"):
        if kind in kwarg or (kwarg in {"pk", "id"} and kind in url_name):
            return random.choice(ids[kind])  # IndexError when there is none: the page is skipped
    raise LookupError(kwarg)
