"""Latency of the intake suggestion (category on 3 levels, unit, place, duplicates) with 10,000
open requests in PostgreSQL. Target: p99 ≤ 50 ms per call.

Creates its own database (default zhili_bench_suggest on 127.0.0.1:5432, user postgres), loads
Lixia, trains the classifier, files N open requests through the workflow's intake, then times
``intake_suggestions`` on real messages it did not file (warm process, as the web server is).
Drops the database at the end unless --keep.

Run from a clean clone:  make install && .venv/bin/python benchmarks/suggest.py [--open 10000]
"""

import argparse
import csv
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _database import fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=10_000, help="open requests in the database")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--db", default="zhili_bench_suggest")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with fresh_database(args.db, keep=args.keep):
        from django.core.management import call_command

        from zhili.datafiles import data_path, read_text
        from zhili.routing.suggest import intake_suggestions
        from zhili.routing.training import train_category_model
        from zhili.workcalendar.loader import seed_from_chinese_calendar
        from zhili.workflow import actions

        started = time.perf_counter()
        seed_from_chinese_calendar()
        call_command("load_district", "lixia", "--demo-aliases", stdout=io.StringIO())
        train_category_model()
        messages = []
        for name in ("fj3_messages_votes", "fj2_test_unlabeled", "fj4_messages_replies"):
            messages += list(csv.DictReader(io.StringIO(read_text(data_path(f"tipdm2020c/{name}.csv")))))
        # The last messages ask; the others (repeated if needed) are the open requests.
        asked, pool = messages[-args.calls:], messages[: -args.calls]
        filed = [pool[i % len(pool)] for i in range(args.open)]
        for row in filed:  # open requests: received, not yet routed
            actions.intake(title=row["留言主题"], description=row["留言详情"])
        print(f"set-up: {len(filed)} open requests in {time.perf_counter() - started:.0f} s")
        intake_suggestions(asked[0]["留言主题"], asked[0]["留言详情"])  # warm: model, index, caches
        timings = []
        for row in asked:
            t0 = time.perf_counter()
            intake_suggestions(row["留言主题"], row["留言详情"])
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
        print(f"intake_suggestions with {len(filed)} open requests, {len(timings)} calls: "
              f"median {statistics.median(timings):.1f} ms, p95 {p(0.95):.1f} ms, p99 {p(0.99):.1f} ms, "
              f"max {timings[-1]:.1f} ms (target p99 ≤ 50 ms)")



if __name__ == "__main__":
    main()
