"""Load benchmark on the real stack: gunicorn, PostgreSQL, Redis and a Celery worker, all on 127.0.0.1.

Run from the project root: `make bench` (set-up, then this script), or
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketamine_bench REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python -m benchmarks.load [--users 20] [--duration 60] ...

Four phases, in one run, against one gunicorn started here (workers = 2 x cores + 1, gunicorn's rule) and one
Celery worker with the production beat schedule:
  warm-up   the realistic mix below, not recorded (workers load templates, open connections);
  bare      every user GETs /bench/bare (one row read) as fast as it can: the ceiling of this stack here;
  submit    every user POSTs the final wizard step of a complete, prepared draft as fast as it can:
            the submit capacity (one transaction: submission, screening, case, outbox; the worker sends);
  mixed     patients sign in, walk the whole wizard and submit; psychiatrists open the queue and cases;
            coordinators the worklist and calendar and book evaluations; an admin the dashboard and audit log
            (pages that exist at run time), 1-5 s between pages (--think).
Every loop is bounded by a duration and by --max-requests; every process started here is stopped at the end,
on errors and on Ctrl-C too. No new dependency: threads and http.client.

Prints a table per endpoint (requests/s, p50, p95, p99, errors), the CPU each process used per request in each
phase, and one line:
    RESULT submit_per_s=<n> bare_per_s=<n> ratio=<submit/bare> p95_ms=<worst page p95> errors=<n>
Budgets: ratio >= 0.25; p95 of every page < 150 ms at 20 concurrent users; zero errors (exit status 1 if missed).

Modules: stack (gunicorn, the worker, the database), seed (accounts and prepared drafts), browser (one user's
HTTP client), users (the journeys of each role), phases (threads of users in a phase), measure (latencies, CPU per
process, py-spy), report (the tables and the RESULT line); __main__ runs them in order.
"""
