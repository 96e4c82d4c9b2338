"""A phase: threads of users running one behaviour until its deadline or the request cap."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable

from .browser import Browser
from .common import FlowError, Stop
from .measure import Budget, Stats
from .seed import mix_roles
from .users import World, patient_journey, staff_session


def run_phase(
    name: str,
    world: World,
    budget: Budget,
    duration: float,
    behaviour: Callable[[int, Browser, random.Random, float], None],
    *,
    ramp: float = 0.0,
    settle: float = 0.0,
    on_settled: Callable[[], None] | None = None,
) -> Stats:
    """`world.args.users` threads run `behaviour` in a loop until the phase's deadline or the request cap.

    With `ramp`, user i starts i * ramp / users seconds late (people arrive over time, not all at once). Requests
    begun in the first `settle` seconds are not recorded; `on_settled` runs when recording starts.
    """
    stats = Stats()
    users = world.args.users
    stop_at = time.monotonic() + settle + duration
    budget.deadline = stop_at

    def user(index: int) -> None:
        rng = random.Random(f"{name}-{index}")
        time.sleep(min(ramp * index / users, duration))
        while time.monotonic() < stop_at:
            browser = Browser(world.port, stats, budget, world.label)
            try:
                behaviour(index, browser, rng, stop_at)
            except Stop:
                return
            except FlowError:
                time.sleep(0.05)  # counted already; start a fresh journey
            except Exception as exc:  # a bug in the script itself: counted, visible, never silent
                stats.error("script", f"{type(exc).__name__}: {exc}")
                time.sleep(0.2)
            finally:
                browser.close()

    threads = [threading.Thread(target=user, args=(i,), name=f"{name}-{i}", daemon=True) for i in range(users)]
    stats.started = time.monotonic() + settle
    if on_settled is not None:
        timer = threading.Timer(settle, on_settled)
        timer.daemon = True
        timer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + 35)  # 30 s socket timeout + slack
    stats.ended = min(time.monotonic(), stop_at + 35)
    budget.deadline = 0.0  # anything still running stops at its next request
    return stats


def bare_behaviour(world: World) -> Callable:
    def behaviour(index: int, browser: Browser, rng: random.Random, stop_at: float) -> None:
        while True:
            browser.get("/bench/bare", label="GET bench:bare")

    return behaviour


def submit_behaviour(world: World) -> Callable:
    def behaviour(index: int, browser: Browser, rng: random.Random, stop_at: float) -> None:
        while True:
            prepared = world.take_prepared()
            if prepared is None:
                raise Stop
            session_key, draft_id = prepared
            secret = uuid.uuid4().hex  # an unmasked CSRF secret, as the cookie holds it (32 characters)
            browser.cookies = {"sessionid": session_key, "csrftoken": secret}
            browser.csrf = secret
            target = browser.post(
                f"/patient/intake/{draft_id}/review/", {"action": "next"}, label="POST intake:submit (prepared)"
            )
            if not target.startswith("/patient/sent/"):
                browser._unexpected("POST intake:submit (prepared)", f"submit did not lead to the result: {target}")

    return behaviour


def mixed_behaviour(world: World) -> Callable:
    roles = mix_roles(world.args)

    def behaviour(index: int, browser: Browser, rng: random.Random, stop_at: float) -> None:
        role = roles[index % len(roles)]
        if role == "patient":
            patient_journey(browser, world, rng)
        else:
            staff_session(browser, world, role, roles[:index].count(role), rng, stop_at)

    return behaviour
