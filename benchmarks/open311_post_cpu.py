"""CPU per Open311 POST, in one process: Python (the whole WSGI path) and the PostgreSQL backend.

Where ``open311_post.py`` measures the server under load, this counts what one POST costs, with
no HTTP server and no concurrency, so that two versions of the code can be compared on a busy
machine (interleave the runs and quote medians). From a clean clone, on a database of its own:

    make install && scripts/ensure-postgres.sh
    createdb -h 127.0.0.1 -U postgres zhili_cpu
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhili_cpu ZHILI_LOG_LEVEL=ERROR
    .venv/bin/zhili migrate && .venv/bin/zhili calendar seed && .venv/bin/zhili load-district lixia
    .venv/bin/python benchmarks/open311_post_cpu.py --posts 400     # creates its API key once

It sends ``--warmup`` POSTs unmeasured (caches, connections), then ``--posts`` POSTs — the same
bodies as ``open311_post.py`` (real TipDM messages, published service codes, Lixia addresses)
— through ``zhili.wsgi.application``, middleware included, and prints per POST: wall time,
this process's CPU time (``time.process_time``) and the CPU time of its PostgreSQL backend
(utime + stime of ``pg_backend_pid()`` in ``/proc``; PostgreSQL on this machine, Linux).
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("DB_CONN_MAX_AGE", "600")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")


def main() -> None:
    """Measure and print (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=400, help="measured POSTs")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured POSTs first")
    args = parser.parse_args()

    import django

    django.setup()
    import open311_post as bench
    from django.db import connection

    from zhili.open311.keys import create_client, issue_key
    from zhili.open311.models import ApiClient
    from zhili.open311.services import published_categories
    from zhili.wsgi import application

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL 须指向 PostgreSQL 数据库")
    client = ApiClient.objects.active().filter(name="cpu-benchmark").first()
    if client is None:
        key = create_client("cpu-benchmark", rate="1000000/min")[1]
    else:  # a later run: a fresh key for the same client (the key is never stored)
        key = issue_key(client)
        client.save(update_fields=["key_hash", "key_hint"])
    codes = [c.code for c in published_categories() if len(c.code) == 6]
    bodies = bench.forms(args.warmup + args.posts, key, codes)

    def post(body: str) -> None:
        data = body.encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/open311/v2/requests.json", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr,
        }
        status = []
        body_out = b"".join(application(environ, lambda s, h, exc_info=None: status.append(s)))
        if not status[0].startswith("201"):
            sys.exit(f"POST 失败：{status[0]} {body_out[:300]!r}")

    for body in bodies[:args.warmup]:
        post(body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    wall, cpu, pg = time.perf_counter(), time.process_time(), backend_cpu()
    for body in bodies[args.warmup:]:
        post(body)
    wall, cpu, pg = time.perf_counter() - wall, time.process_time() - cpu, backend_cpu() - pg
    n = args.posts
    print(f"{n} 次 POST：每次 wall {1000 * wall / n:.2f} ms，Python CPU {1000 * cpu / n:.2f} ms，"
          f"PostgreSQL 后端 CPU {1000 * pg / n:.2f} ms（负载 {os.getloadavg()[0]:.2f}）")


if __name__ == "__main__":
    main()
