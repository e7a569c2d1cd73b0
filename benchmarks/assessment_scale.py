"""Assessment at scale on PostgreSQL: monthly rankings and the dashboard's queries over millions of
synthetic work orders, and the incremental refresh of the rollups.

Steps (each timed): create the database ``zhili_bench_assessment`` on 127.0.0.1:5432 (user postgres, trust),
migrate and load the reference data; generate ``--count`` synthetic orders with their events
(``zhili.assessment.generator``: COPY in batches of 20,000 orders, the non-unique indexes of the two
big tables dropped during the load and rebuilt after); rebuild the rollups; run each reader 20
times (median and p95, ms); add ≥ 10,000 new events of today and time one refresh; drop the
database (``--keep`` keeps it, ``--reuse`` skips creation and loading).

Run from a clean clone:  make bench-assessment            (COUNT=10000000 by default)
               or:  .venv/bin/python benchmarks/assessment_scale.py --count 1000000
Prints one JSON line per measurement and a summary table at the end.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
HOST = "127.0.0.1"  # only ever the local server
TABLES = ("requests_servicerequest", "requests_requestevent")
RUNS = 20


def _admin_connection():
    import psycopg

    return psycopg.connect(host=HOST, port=5432, user="postgres", dbname="postgres", autocommit=True)


def create_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def emit(record: dict) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def timed(label: str, function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    seconds = time.perf_counter() - started
    emit({"step": label, "seconds": round(seconds, 2)})
    return result, seconds


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the non-unique indexes of the two big tables."""
    cursor.execute("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
        WHERE i.tablename = ANY(%s) AND NOT x.indisunique""", [list(TABLES)])
    return cursor.fetchall()


def measure(label: str, function, runs: int = RUNS) -> dict:
    function()  # warm up (and bring the rollups up to date)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    record = {"query": label, "runs": runs, "median_ms": round(statistics.median(samples), 1),
              "p95_ms": round(samples[max(0, int(round(0.95 * runs)) - 1)], 1), "max_ms": round(samples[-1], 1)}
    emit(record)
    return record


def main() -> None:  # noqa: C901 - a script of steps
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", default="zhili_bench_assessment")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by an earlier run")
    parser.add_argument("--new-events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="processes generating and writing (2 cores)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"postgres://postgres@{HOST}:5432/{args.db}"
    os.environ.setdefault("ZHILI_VAR_DIR", tempfile.mkdtemp(prefix="zhili-bench-"))
    os.environ.setdefault("ZHILI_DATA_DIR", str(ROOT / "data"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from zhili.assessment import early_warning, generator, metrics, overview, rollups, stats
    from zhili.assessment.periods import Period
    from zhili.organisation.demo import create_demo_users
    from zhili.requests.models import RequestEvent, ServiceRequest
    from zhili.web.dashboard import dashboard_data
    from zhili.workcalendar.loader import seed_from_chinese_calendar

    summary: dict = {"count": args.count, "database": f"PostgreSQL @ {HOST}/{args.db}"}
    if not args.reuse:
        create_database(args.db)
        quiet = open(os.devnull, "w")  # noqa: SIM115
        timed("migrate + reference data", lambda: (
            call_command("migrate", verbosity=0), seed_from_chinese_calendar(),
            call_command("load_taxonomy", stdout=quiet), call_command("load_district", "lixia", stdout=quiet),
            create_demo_users("bench-only-password")))
        with connection.cursor() as cursor:
            indexes = secondary_indexes(cursor)
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        today = dt.date.today()
        last_progress = [0.0]

        def progress(done):
            if time.monotonic() - last_progress[0] > 30:
                last_progress[0] = time.monotonic()
                print(f"  … {done:,} orders", file=sys.stderr, flush=True)

        result, seconds = timed("generate", generator.generate, args.count, seed=args.seed,
                                start=today.replace(year=today.year - 3), end=today, workers=args.workers,
                                bulk_load=True, progress=progress)
        summary.update(generated_requests=result.requests, generated_events=result.events,
                       generate_seconds=round(seconds, 1), orders_per_second=round(result.requests / seconds))
        emit({"generated": result.requests, "events": result.events, "orders_per_second": round(result.requests / seconds)})

        def rebuild_indexes():
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '2GB'")
                for _, definition in indexes:
                    cursor.execute(definition)
                cursor.execute(f"ANALYZE {', '.join(TABLES)}")

        _, seconds = timed("rebuild secondary indexes + analyze", rebuild_indexes)
        summary["index_seconds"] = round(seconds, 1)
        result, seconds = timed("rollups rebuild (full)", rollups.rebuild)
        summary["rollup_rebuild_seconds"] = round(seconds, 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        rollups.refresh()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        summary["database_size"] = cursor.fetchone()[0]
    summary["requests"] = ServiceRequest.objects.count()
    summary["events"] = RequestEvent.objects.count()

    latest = metrics.latest_day()
    month = Period.of_month(latest).previous()  # the last complete month
    everything = ServiceRequest.objects.all()
    queries = [
        ("monthly ranking of units (三率, red/black lists)", lambda: metrics.ranking(month, "unit")),
        ("monthly assessment by subdistrict", lambda: metrics.assess(month, "subdistrict")),
        ("monthly assessment by category", lambda: metrics.assess(month, "category")),
        ("district 三率 of the month", lambda: metrics.district(month)),
        ("daily received of the month", lambda: metrics.daily(month)),
        ("dashboard: totals() of every order", lambda: stats.totals()),
        ("dashboard: dashboard_data(all orders) with drill-down links", lambda: dashboard_data(everything)),
        ("stats.totals(month=…)", lambda: stats.totals(month=month)),
        ("early warnings (week over week, year over year)", lambda: early_warning.early_warnings(latest)),
        ("dashboard assessment section: month_overview (stored hotspots/reviews)",
         lambda: overview.month_overview(month)),
    ]
    summary["month"] = month.label
    results = [measure(label, function) for label, function in queries]

    # New activity: orders received today, their events up to now, until ≥ N new events.
    rollups.refresh()
    before = RequestEvent.objects.order_by("-id").values_list("id", flat=True).first()
    new_events, seed = 0, int(time.time())  # fresh seeds: a --reuse run adds new orders again
    while new_events < args.new_events:
        start = dt.date.today() - dt.timedelta(days=2)
        made = generator.generate(500, seed=seed, start=start, end=dt.date.today() + dt.timedelta(days=1))
        new_events += made.events
        seed += 1
    emit({"new_events": new_events, "after_event_id": before})
    refresh, seconds = timed("incremental refresh after new events", rollups.refresh)
    summary.update(new_events=new_events, refresh_seconds=round(seconds, 2), refresh_days=refresh.days,
                   refresh_requests=refresh.requests)
    nothing, seconds = timed("refresh with nothing new (what every reader pays)", rollups.refresh)
    summary["idle_refresh_ms"] = round(seconds * 1000, 2)

    emit({"summary": summary})
    print("\n| query | median ms | p95 ms |\n|---|---:|---:|")
    for r in results:
        print(f"| {r['query']} | {r['median_ms']} | {r['p95_ms']} |")
    print(f"\n{summary}")
    if not args.keep:
        connection.close()
        drop_database(args.db)


if __name__ == "__main__":
    main()
