"""Benchmark: Open311 POST /requests.json with classification and routing, on PostgreSQL.

From a clean clone (PostgreSQL listening on 127.0.0.1:5432, as for `make test`):

    make install
    scripts/ensure-postgres.sh
    .venv/bin/python benchmarks/open311_post.py            # 2,000 POSTs, 8 concurrent clients

What it does, all on this machine and bounded:
1. creates a fresh database ``zhili_bench`` on the local server (dropped again at the end);
2. migrates it, loads the calendar, Lixia's units and dispatch catalogue, trains the classifier
   into a temporary folder, and issues an API key without a practical rate limit;
3. starts gunicorn on 127.0.0.1 (``--workers``, default 2 × cores + 1, sync workers, persistent
   database connections);
4. sends ``--requests`` POSTs (real TipDM citizen messages, a random published service code and
   Lixia address each) from ``--concurrency`` client threads, after a short warm-up, with a
   10 s timeout per request and a hard deadline for the whole run;
5. prints requests per second, p50/p90/p99 latency and the errors — whatever they are.

Every request goes to 127.0.0.1 only. Each POST runs the same path as a phone call: intake,
classifier suggestion and place resolution, classification event, dispatch catalogue, deadline
on the work calendar, dispatch event — about 25 SQL statements in one transaction.
"""

import argparse
import csv
import io
import json
import lzma
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DEADLINE_SECONDS = 600  # the whole measurement stops by itself after this


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="POSTs to measure (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--server-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                               "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL server on this machine; a database zhili_bench is created on it")
    parser.add_argument("--train-limit", type=int, default=None, help="train the classifier on the first N rows")
    return parser.parse_args()


def local_only(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        sys.exit(f"拒绝：只允许本机地址（127.0.0.1），而不是 {parts.hostname}")
    return parts


def recreate_database(server_url: str, name: str, drop_only: bool = False) -> str:
    import psycopg

    parts = local_only(server_url)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def zhili(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "zhili"), *args], env=env, cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                            timeout=1800, check=False)
    if result.returncode != 0:
        sys.exit(f"zhili {' '.join(args)} 失败：\n{result.stdout}\n{result.stderr}")
    return result.stdout


def messages(count: int) -> list[str]:
    """Real citizen messages (TipDM 2020 attachment 2), cut to Open311's 4,000 characters."""
    with lzma.open(ROOT / "data/tipdm2020c/fj2_sample_labeled.csv.xz") as fh:
        rows = list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig")))
    texts = [" ".join((r.get("留言主题", "") + " " + r.get("留言详情", "")).split())[:4000] for r in rows]
    texts = [t for t in texts if t]
    return [texts[i % len(texts)] for i in range(count)]


def wait_for(url: str, seconds: float = 60) -> None:
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        try:
            with urllib.request.urlopen(url, timeout=10):  # noqa: S310 - 127.0.0.1 only
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    sys.exit(f"服务未在 {seconds:.0f} 秒内启动：{url}")


ERRORS: list[str] = []  # the first few error answers, printed with the results


def post(url: str, form: dict, timeout: float = 10.0) -> tuple[int, float]:
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - 127.0.0.1 only
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        if len(ERRORS) < 5:
            ERRORS.append(f"{exc.code} {exc.read()[:300].decode('utf-8', 'replace')}")
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        status = 0
    return status, time.perf_counter() - start


def run_load(url: str, forms: list[dict], concurrency: int, deadline: float) -> tuple[list[float], dict, float]:
    """Send every form once from ``concurrency`` threads; returns (latencies, status counts, seconds)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock, position = threading.Lock(), iter(range(len(forms)))

    def client():
        while time.monotonic() < deadline:
            with lock:
                index = next(position, None)
            if index is None:
                return
            status, seconds = post(url, forms[index])
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    latencies.append(seconds)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="zhili-bench-"))
    database_url = recreate_database(args.server_url, "zhili_bench")
    env = {**os.environ, "DATABASE_URL": database_url, "ZHILI_VAR_DIR": str(work), "ZHILI_MODEL_DIR": str(work / "models"),
           "DB_CONN_MAX_AGE": "600", "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "0", "ZHILI_LOG_LEVEL": "ERROR"}
    server = None
    try:
        print("准备数据库与模型 …", flush=True)
        zhili(env, "migrate", "--verbosity", "0")
        zhili(env, "calendar", "seed")
        zhili(env, "load-district", "lixia")
        zhili(env, "train-classifier", *(["--limit", str(args.train_limit)] if args.train_limit else []))
        key = zhili(env, "apikey", "create", "benchmark", "--rate", "1000000/min").strip().splitlines()[-1]
        codes = [line.split("\t")[0] for line in zhili(env, "shell", "-c", (
            "from zhili.open311.services import published_categories as p; print('\\n'.join(c.code for c in p()))"
        )).split() if line.strip().isdigit() and len(line.strip()) == 6]  # leaf codes: 3 × 2 digits
        server = subprocess.Popen(  # noqa: S603 - our own server, on 127.0.0.1
            [str(BIN / "gunicorn"), "zhili.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.workers), "--worker-class", "sync", "--log-level", "warning"],
            env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{args.port}/open311/v2"
        wait_for(f"{base}/discovery.json")
        rng = random.Random(311)
        texts = messages(args.warmup + args.requests)
        streets = ["解放路街道", "泉城路街道", "大明湖街道", "东关街道", "文东街道", "建新街道", "甸柳街道", "燕山街道"]
        forms = [{"api_key": key, "service_code": rng.choice(codes), "description": text,
                  "address_string": f"历下区{rng.choice(streets)}{rng.randint(1, 200)}号",
                  "lat": f"{36.65 + rng.random() / 50:.6f}", "long": f"{117.05 + rng.random() / 20:.6f}"}
                 for text in texts]
        deadline = time.monotonic() + DEADLINE_SECONDS
        print(f"预热 {args.warmup} 次 …", flush=True)
        run_load(f"{base}/requests.json", forms[:args.warmup], args.concurrency, deadline)
        print(f"测量：{args.requests} 次 POST，{args.concurrency} 个并发客户端，gunicorn {args.workers} 个进程 …",
              flush=True)
        latencies, statuses, seconds = run_load(f"{base}/requests.json", forms[args.warmup:], args.concurrency,
                                                deadline)
        done = sum(statuses.values())
        result = {
            "requests_sent": done, "status_counts": statuses, "seconds": round(seconds, 2),
            "requests_per_second": round(done / seconds, 1) if seconds else 0.0,
            "created_per_second": round(len(latencies) / seconds, 1) if seconds else 0.0,
            "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
            "p90_ms": round(percentile(latencies, 90) * 1000, 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
            "mean_ms": round(statistics.mean(latencies) * 1000, 1) if latencies else None,
            "concurrency": args.concurrency, "workers": args.workers, "cores": os.cpu_count(),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        for error in ERRORS:
            print("错误示例：", error)
        print(f"结果：{result['created_per_second']} 个工单/秒，p99 {result['p99_ms']} ms"
              f"（目标 ≥ 300/秒、p99 < 100 ms；{os.cpu_count()} 核，客户端与服务端、PostgreSQL 共用这些核）")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        recreate_database(args.server_url, "zhili_bench", drop_only=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
