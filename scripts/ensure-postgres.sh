#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432, starting the local cluster if it is installed
# but stopped. In CI (CI=true) a server that cannot be reached is a failure: the PostgreSQL
# suite must run there. Elsewhere it is an error too, unless ZHILI_SKIP_POSTGRES=1 says the
# developer knowingly runs without it (exit 2: skip).
set -u
host=127.0.0.1 port=5432

ready() { pg_isready -q -h "$host" -p "$port" 2>/dev/null || \
  python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('$host',$port)))"; }

if ready; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
fi
echo "PostgreSQL 不可用（$host:$port）：无法运行 PostgreSQL 测试。" >&2
if [ "${ZHILI_SKIP_POSTGRES:-0}" = "1" ] && [ "${CI:-}" != "true" ]; then
  echo "ZHILI_SKIP_POSTGRES=1：本机跳过 PostgreSQL 测试（CI 中不允许）。" >&2
  exit 2
fi
exit 1
