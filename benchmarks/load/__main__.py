"""`python -m benchmarks.load [options]` from the project root (make bench); see __init__.py."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from . import __doc__ as DESCRIPTION
from .common import ROOT
from .measure import Budget, cpu_snapshot, profiling
from .phases import bare_behaviour, mixed_behaviour, run_phase, submit_behaviour
from .report import print_report
from .seed import seed
from .stack import Stack, bench_env, database_create_if_missing, outbox_drain
from .users import World, discover_pages

# The apps and tests.* import from the project root, whatever directory this was started from.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=DESCRIPTION.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users in every phase")
    parser.add_argument("--duration", type=float, default=120, help="seconds of the realistic mix, recorded")
    parser.add_argument("--bare-duration", type=float, default=15)
    parser.add_argument("--submit-duration", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=8, help="seconds of unrecorded mix before measuring")
    parser.add_argument("--max-requests", type=int, default=200_000, help="hard cap over the whole run")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (2 x cores + 1)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker with gthread")
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE for the web and the worker")
    parser.add_argument(
        "--think",
        type=lambda s: tuple(float(x) for x in s.split(",")),
        # People read between pages: the intake is ~15 minutes for ~30 pages. 1-5 s is already several times
        # faster than that; 0.1,0.5 is a stress run (benchmarks/README.md has both).
        default=(1.0, 5.0),
        help="MIN,MAX seconds a user waits between pages in the mix (0,0 = as fast as possible)",
    )
    parser.add_argument(
        "--mix",
        type=lambda s: tuple(int(x) for x in s.split(",")),
        default=(12, 4, 3, 1),
        help="PATIENTS,PSYCHIATRISTS,COORDINATORS,ADMINS: the share of users in each role in the mix",
    )
    parser.add_argument("--patient-accounts", type=int, default=1500, help="fresh patients created for the mix")
    parser.add_argument("--submit-pool", type=int, default=4000, help="prepared drafts for the submit phase")
    parser.add_argument(
        "--ramp",
        type=float,
        default=30,
        help="seconds over which the mix's users arrive; the mix is recorded from then on (steady state)",
    )
    parser.add_argument(
        "--profile",
        choices=["bare", "submit", "mixed"],
        help="record the gunicorn workers with py-spy during this phase (pip install py-spy)",
    )
    parser.add_argument("--skip-migrate", action="store_true")
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the run like Ctrl-C: the finally block stops every process


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = bench_env(args)
    os.environ.update(env)
    for url in (env["DATABASE_URL"], env["REDIS_URL"]):
        host = urlsplit(url).hostname
        if host not in {"127.0.0.1", "localhost", "::1"}:
            print(f"refusing a non-loopback address: {url}", file=sys.stderr)
            return 2
    if env["DATABASE_URL"].startswith("postgres"):
        database_create_if_missing(env["DATABASE_URL"])
    else:
        print("warning: not PostgreSQL; figures will not be comparable", file=sys.stderr)
    if not args.skip_migrate:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.conf import settings

    run_id = uuid.uuid4().hex[:8]
    started = time.monotonic()
    seeded = seed(args, run_id)
    print(
        f"seeded in {time.monotonic() - started:.1f} s: clinic {seeded.clinic_slug}, {len(seeded.staff)} staff, "
        f"{len(seeded.patients)} patients, {len(seeded.prepared)} prepared drafts (run {run_id})"
    )
    db = settings.DATABASES["default"]
    print(
        f"stack: gunicorn {args.workers} x {args.worker_class}"
        f"{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''}, CONN_MAX_AGE={args.conn_max_age}, "
        f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST')}:{db.get('PORT')}/{db['NAME']}, "
        f"broker {settings.REDIS_URL}, Celery worker (solo, with beat), DEBUG={settings.DEBUG}"
    )
    print(f"machine: {os.cpu_count()} cores, load average {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")

    stack = Stack(env, args)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    budget = Budget(args.max_requests)
    cpu: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    drained: list[tuple[str, tuple[float, int]]] = []
    try:
        stack.start()
        world = World(stack.port, seeded, args)
        world.pages = discover_pages(world)
        for role in ("psychiatrist", "coordinator", "admin"):
            print(f"  {role} pages: {', '.join(name for name, _ in getattr(world.pages, role)) or '-'}")
        if args.warmup > 0:
            run_phase("warmup", world, budget, args.warmup, mixed_behaviour(world), ramp=min(args.ramp, args.warmup))
        drained.append(("warm-up", outbox_drain()))  # the worker's backlog must not run into the next phase
        before = cpu_snapshot(stack)
        with profiling(args, "bare", stack, args.bare_duration):
            bare = run_phase("bare", world, budget, args.bare_duration, bare_behaviour(world))
        cpu["bare"] = (before, cpu_snapshot(stack))
        before = cpu_snapshot(stack)
        with profiling(args, "submit", stack, args.submit_duration):
            submit = run_phase("submit", world, budget, args.submit_duration, submit_behaviour(world))
        # The e-mails the submits queued are part of their cost: counted once the worker has sent them all.
        drained.append(("submit", outbox_drain()))
        cpu["submit"] = (before, cpu_snapshot(stack))
        world.pages = discover_pages(world)  # the submit phase made cases and worklist entries to open
        settled: dict[str, float] = {}
        with profiling(args, "mixed", stack, args.ramp + args.duration):
            mixed = run_phase(
                "mixed",
                world,
                budget,
                args.duration,
                mixed_behaviour(world),
                ramp=args.ramp,
                settle=args.ramp,
                on_settled=lambda: settled.update(cpu_snapshot(stack)),
            )
        before = settled or cpu_snapshot(stack)
        drained.append(("mixed", outbox_drain()))
        cpu["mixed"] = (before, cpu_snapshot(stack))
    except KeyboardInterrupt:
        print("interrupted: stopping gunicorn and the worker", file=sys.stderr)
        return 130
    finally:
        stack.stop()
        signal.signal(signal.SIGTERM, previous)

    return print_report(args, bare, submit, mixed, cpu, drained, budget)


if __name__ == "__main__":
    sys.exit(main())
