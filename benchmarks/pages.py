"""Server time of the request list and the unit inbox with 100,000 requests in PostgreSQL.
Target: under 300 ms per render (median of 20 renders, printed with p95).

Creates its own database (default zhili_bench_pages on 127.0.0.1:5432, user postgres), loads
Lixia and the demo cast, generates N synthetic requests from the real data's distributions
(``zhili generate-requests``: bulk rows with the same events the workflow writes), then renders
each page 20 times in-process through Django's test client (the full view, queries and
template; no network), as a district-wide dispatcher and as the 住建局 handler. Drops the
database at the end unless --keep.

Run from a clean clone:  make install && .venv/bin/python benchmarks/pages.py [--count 100000]
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _database import fresh_database  # noqa: E402

PAGES = [
    ("dispatcher", "request list", "/"),
    ("dispatcher", "request list, overdue filter", "/?overdue=yes"),
    ("dispatcher", "request list, page 200", "/?page=200"),
    ("dispatcher", "dispatcher queue", "/queue/"),
    ("zhujian", "unit inbox (住建局)", "/inbox/"),
    ("zhujian", "request list (住建局)", "/"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--db", default="zhili_bench_pages")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with fresh_database(args.db, keep=args.keep):
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client

        from zhili.organisation.demo import create_demo_users
        from zhili.workcalendar.loader import seed_from_chinese_calendar

        started = time.perf_counter()
        seed_from_chinese_calendar()
        call_command("load_district", "lixia", "--demo-aliases", stdout=io.StringIO())
        create_demo_users("bench")
        call_command("generate_requests", "--count", str(args.count), stdout=io.StringIO(), stderr=io.StringIO())
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"set-up: {args.count} requests in {time.perf_counter() - started:.0f} s")
        users = get_user_model().objects
        for username, label, url in PAGES:
            client = Client()
            client.force_login(users.get(username=username))
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            timings = []
            for _ in range(args.renders):
                t0 = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            timings.sort()
            print(f"{label:<32} as {username:<10} median {statistics.median(timings):6.1f} ms, "
                  f"p95 {timings[int(0.95 * (len(timings) - 1))]:6.1f} ms (target < 300 ms)")



if __name__ == "__main__":
    main()
