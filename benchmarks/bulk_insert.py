"""Benchmark: inserting a batch of order events on PostgreSQL, VALUES against UNNEST.

Why Zhili's PostgreSQL backend (``zhili.dbbackends.postgresql``) inserts a batch under
``UNNEST_MIN_ROWS`` rows with VALUES, and where that threshold comes from. From a clean clone
(PostgreSQL listening on 127.0.0.1:5432, as for ``make test``):

    make install && scripts/ensure-postgres.sh
    .venv/bin/python benchmarks/bulk_insert.py

It creates a database of its own (``zhili_bulk``, dropped at the end), files one order, and for
batches of 2 … 512 events runs ``RequestEvent.objects.bulk_create`` inside a transaction that is
rolled back, once with every batch as VALUES and once with every batch as UNNEST (interleaved,
best of 3 repetitions). It prints this process's CPU time per batch (``time.process_time``, ms:
Django compiling the INSERT and psycopg adapting the parameters) and the wall time (which adds
the round trip and PostgreSQL's own work), one line per batch size.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _database import fresh_database  # noqa: E402


def main() -> None:
    """Measure and print (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2,4,8,16,32,64,128,512", help="batch sizes, comma-separated")
    parser.add_argument("--events", type=int, default=4000, help="events written per size and strategy")
    parser.add_argument("--database", default="zhili_bulk")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    with fresh_database(args.database):
        from django.db import transaction

        from zhili.dbbackends.postgresql import compiler
        from zhili.requests.models import RequestEvent
        from zhili.workflow import actions

        order = actions.intake(title="基准测试", description="批量写入事件的基准测试")
        template = order.events.get()

        def batch_ms(n: int, repetitions: int) -> tuple[float, float]:
            cpu = wall = 0.0
            for _ in range(repetitions):
                events = [RequestEvent(request=order, seq=1000 + i, action=template.action,
                                       to_state=template.to_state, data=template.data, at=template.at)
                          for i in range(n)]
                with transaction.atomic():
                    c0, w0 = time.process_time(), time.perf_counter()
                    RequestEvent.objects.bulk_create(events)
                    cpu += time.process_time() - c0
                    wall += time.perf_counter() - w0
                    transaction.set_rollback(True)
            return cpu / repetitions * 1000, wall / repetitions * 1000

        print("rows  VALUES cpu/wall ms   UNNEST cpu/wall ms   (per batch; best of 3)")
        for n in sizes:
            repetitions = max(10, args.events // n)
            best = {}
            for strategy, threshold in (("values", 10**9), ("unnest", 2)) * 3:
                compiler.UNNEST_MIN_ROWS = threshold
                batch_ms(n, 5)  # the statement prepared on the connection, as in a long-lived worker
                result = batch_ms(n, repetitions)
                best[strategy] = min(best.get(strategy, result), result)
            v, u = best["values"], best["unnest"]
            print(f"{n:4d}  {v[0]:8.3f} / {v[1]:7.3f}   {u[0]:8.3f} / {u[1]:7.3f}")


if __name__ == "__main__":
    main()
