"""Benchmark: Open311 POST /requests.json with classification and routing, on PostgreSQL.

From a clean clone (PostgreSQL listening on 127.0.0.1:5432, as for `make test`):

    make install
    scripts/ensure-postgres.sh
    sudo apt-get install -y wrk                           # the load generator (Debian package)
    .venv/bin/python benchmarks/open311_post.py           # 20 s of POSTs from 8 concurrent clients

What it does, all on this machine and bounded:
1. creates a fresh database ``zhili_bench`` (``--database``) on the local server (dropped again at the end);
2. migrates it, loads the calendar, Lixia's units and dispatch catalogue, trains the classifier
   into a temporary folder, and issues an API key without a practical rate limit;
3. starts gunicorn on 127.0.0.1 (``--workers``, default 2 × cores, ``--worker-class`` sync —
   each worker takes the next connection when it is free, so the load is shared evenly; gthread
   workers keep each keep-alive connection, and 8 were seen landing 1/7, 6/2, 1/1/6 on them —
   persistent database connections, DEBUG off);
4. writes ``--bodies`` distinct form bodies (real TipDM citizen messages, a random published
   service code, Lixia address and coordinates each) and has ``wrk`` POST them in turn over
   ``--concurrency`` connections (a sync worker closes its connection after each answer, as behind
   a proxy; wrk opens the next at once): ``--warmup`` seconds unmeasured, then ``--duration``
   seconds measured, 10 s timeout per request; every subprocess has a hard time limit;
5. prints requests per second, p50/p90/p99 latency (wrk's, over every answer), the answers by
   status with the first error body, and checks in the database that every 201 is an order
   that went through intake, classification and dispatch (or the dispatcher's queue).

wrk is a C program (one thread here): it leaves the two cores to the server and PostgreSQL,
where a Python client would take half of them. Without wrk (``--client python``, or ``auto``
when it is missing) a fallback sends the same bodies from Python threads and says so: its
figures are lower and not comparable with wrk's.

Every request goes to 127.0.0.1 only. Each POST runs the same path as a phone call: intake,
place resolution, classification event (the posted service code is the category; the model is
not asked), dispatch catalogue, deadline on the work calendar, dispatch event — one transaction.
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
    parser.add_argument("--duration", type=int, default=20, help="seconds of measured load (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of unmeasured load first")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (open connections)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="gunicorn worker processes (default: 2 × cores)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                        help="auto: wrk when installed, else the Python fallback (which says so)")
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--server-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                               "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL server on this machine; a database zhili_bench is created on it")
    parser.add_argument("--database", default="zhili_bench", help="name of the benchmark's own database")
    parser.add_argument("--train-limit", type=int, default=None, help="train the classifier on the first N rows")
    parser.add_argument("--bodies", type=int, default=5000, help="distinct POST bodies, sent in turn")
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


WRK_SCRIPT = r"""
-- POST the prepared bodies (one per line of the file given after --) in turn; count answers by
-- status and keep the first error body. Each wrk thread starts at its own offset.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  position = (id * 7919) % #bodies
  counts = {}
  first_error = ""
end

function request()
  position = position % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, bodies[position])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if status ~= 201 and first_error == "" then first_error = status .. " " .. string.sub(body, 1, 300) end
end

function done(summary, latency, requests)
  local statuses, error_text = {}, ""
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do statuses[status] = (statuses[status] or 0) + n end
    if error_text == "" then error_text = thread:get("first_error") end
  end
  local parts = {}
  for status, n in pairs(statuses) do parts[#parts + 1] = string.format('"%d": %d', status, n) end
  io.write(string.format(
    'RESULT {"seconds": %.3f, "answers": %d, "statuses": {%s}, "socket_errors": %d, "timeouts": %d, ' ..
    '"p50_ms": %.1f, "p90_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, "mean_ms": %.1f}\n',
    summary.duration / 1e6, summary.requests, table.concat(parts, ", "),
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
  io.write("FIRST_ERROR " .. string.gsub(error_text, "\n", " ") .. "\n")
end
"""


def run_wrk(url: str, bodies: Path, work: Path, concurrency: int, seconds: int) -> dict:
    """One wrk run of ``seconds`` against ``url``; returns the RESULT line's figures (and the first
    error answer, if any). Exits with wrk's output when it fails."""
    script = work / "post.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    command = [shutil.which("wrk") or "wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(script), url, "--", str(bodies)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)  # noqa: S603
    lines = result.stdout.splitlines()
    found = [line for line in lines if line.startswith("RESULT ")]
    if result.returncode != 0 or not found:
        sys.exit(f"wrk 失败（退出码 {result.returncode}）：\n{result.stdout}\n{result.stderr}")
    figures = json.loads(found[0][len("RESULT "):])
    figures["first_error"] = next((line[len("FIRST_ERROR "):].strip() for line in lines
                                   if line.startswith("FIRST_ERROR ")), "")
    return figures


def run_python(url: str, bodies: list[str], concurrency: int, seconds: int) -> dict:
    """The fallback client: ``concurrency`` Python threads POSTing the bodies in turn for
    ``seconds``. It shares the cores with the server, so its figures are lower than wrk's."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    first_error = []
    lock, position = threading.Lock(), iter(range(10**9))
    stop = time.monotonic() + seconds

    def client():
        while time.monotonic() < stop:
            with lock:
                body = bodies[next(position) % len(bodies)]
            request = urllib.request.Request(url, data=body.encode(), method="POST",  # noqa: S310 - 127.0.0.1
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
                if not first_error:
                    first_error.append(f"{exc.code} {exc.read()[:300].decode('utf-8', 'replace')}")
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                status = 0
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]

    def pct(p):
        return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000, 1)

    return {"seconds": round(elapsed, 3), "answers": len(latencies), "statuses": statuses,
            "socket_errors": statuses.pop("0", 0), "timeouts": 0, "p50_ms": pct(50), "p90_ms": pct(90),
            "p99_ms": pct(99), "max_ms": round(ordered[-1] * 1000, 1),
            "mean_ms": round(statistics.mean(ordered) * 1000, 1), "first_error": first_error[0] if first_error else ""}


def check_orders(database_url: str) -> dict:
    """What the POSTs left in the database: orders by state, and how many lack their intake,
    classify and dispatch/queue events (should be none)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM requests_servicerequest GROUP BY state").fetchall())
        incomplete = conn.execute(
            "SELECT count(*) FROM requests_servicerequest r WHERE "
            "(SELECT array_agg(action ORDER BY seq) FROM requests_requestevent e WHERE e.request_id = r.id)"
            " NOT IN ('{intake,classify,dispatch}', '{intake,classify,queue_for_dispatch}')").fetchone()[0]
    return {"orders_by_state": states, "orders_without_the_full_path": incomplete}


def forms(count: int, key: str, codes: list[str]) -> list[str]:
    """``count`` urlencoded POST bodies: a real message, a random published service code, a Lixia
    street address and coordinates each (seeded: the same bodies every run)."""
    rng = random.Random(311)
    streets = ["解放路街道", "泉城路街道", "大明湖街道", "东关街道", "文东街道", "建新街道", "甸柳街道", "燕山街道"]
    return [urllib.parse.urlencode({
        "api_key": key, "service_code": rng.choice(codes), "description": text,
        "address_string": f"历下区{rng.choice(streets)}{rng.randint(1, 200)}号",
        "lat": f"{36.65 + rng.random() / 50:.6f}", "long": f"{117.05 + rng.random() / 20:.6f}"})
        for text in messages(count)]


def main() -> None:
    args = parse_args()
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    if client == "wrk" and not shutil.which("wrk"):
        sys.exit("没有找到 wrk：sudo apt-get install -y wrk，或用 --client python（Python 备用客户端）")
    work = Path(tempfile.mkdtemp(prefix="zhili-bench-"))
    database_url = recreate_database(args.server_url, args.database)
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
        bodies = forms(args.bodies, key, codes)
        bodies_file = work / "bodies.txt"
        bodies_file.write_text("\n".join(bodies) + "\n", encoding="utf-8")
        threads = ["--threads", str(args.threads)] if args.worker_class == "gthread" else []
        server = subprocess.Popen(  # noqa: S603 - our own server, on 127.0.0.1
            [str(BIN / "gunicorn"), "zhili.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.workers), "--worker-class", args.worker_class, *threads,
             "--keep-alive", "5", "--preload", "--log-level", "warning"],
            env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{args.port}/open311/v2"
        wait_for(f"{base}/discovery.json")
        url = f"{base}/requests.json"
        load_before = os.getloadavg()[0]  # other work on the machine, before our load starts
        server_text = (f"gunicorn {args.workers} 个 {args.worker_class} 进程"
                       + (f" × {args.threads} 线程" if args.worker_class == "gthread" else ""))
        if client == "wrk":
            client_text = "wrk（1 个线程）"
            print(f"预热 {args.warmup} 秒 …", flush=True)
            run_wrk(url, bodies_file, work, args.concurrency, args.warmup)
            print(f"测量 {args.duration} 秒：{args.concurrency} 个并发连接，{server_text} …", flush=True)
            figures = run_wrk(url, bodies_file, work, args.concurrency, args.duration)
        else:
            client_text = "Python 线程（urllib）备用客户端——不是 wrk，与服务端争用 CPU，结果偏低，不可与 wrk 的结果比较"
            print(f"注意：{client_text}", flush=True)
            run_python(url, bodies, args.concurrency, args.warmup)
            figures = run_python(url, bodies, args.concurrency, args.duration)
        created = figures["statuses"].get("201", 0)
        seconds = figures["seconds"] or 1.0
        result = {
            "client": client, "concurrency": args.concurrency, "workers": args.workers,
            "worker_class": args.worker_class, "threads": args.threads if args.worker_class == "gthread" else 1,
            "cores": os.cpu_count(), "load_average_before": round(load_before, 2),
            **{k: v for k, v in figures.items() if k != "first_error"},
            "requests_per_second": round(figures["answers"] / seconds, 1),
            "created_per_second": round(created / seconds, 1),
            **check_orders(database_url),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        if figures["first_error"]:
            print("错误示例：", figures["first_error"])
        print(f"结果：{result['created_per_second']} 个工单/秒，p50 {figures['p50_ms']} ms，p90 {figures['p90_ms']} ms，"
              f"p99 {figures['p99_ms']} ms；错误 {figures['answers'] - created + figures['socket_errors']} 个"
              f"（目标 ≥ 300/秒、p99 < 100 ms；客户端 {client_text}；{os.cpu_count()} 核，"
              f"客户端、服务端与 PostgreSQL 共用这些核）")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        recreate_database(args.server_url, args.database, drop_only=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
