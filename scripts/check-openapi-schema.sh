#!/usr/bin/env bash
# The committed OpenAPI schema (docs/openapi.yaml) must be exactly what the code generates.
#
#   scripts/check-openapi-schema.sh          fail (exit 1, with the diff) when they differ
#   scripts/check-openapi-schema.sh --write  regenerate docs/openapi.yaml after an API change
#
# drf-spectacular validates the schema and fails on any warning. Needs no database.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZHILI="${ZHILI:-$ROOT/.venv/bin/zhili}"
COMMITTED="$ROOT/docs/openapi.yaml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ZHILI_VAR_DIR="$work" "$ZHILI" spectacular --validate --fail-on-warn > "$work/openapi.yaml"
case "${1:-}" in
  --write) cp "$work/openapi.yaml" "$COMMITTED"; echo "docs/openapi.yaml 已更新" ;;
  "")
    if ! diff -u "$COMMITTED" "$work/openapi.yaml"; then
      echo "docs/openapi.yaml 与代码生成的接口描述不一致：请运行 scripts/check-openapi-schema.sh --write 并提交" >&2
      exit 1
    fi
    echo "OpenAPI 接口描述与 docs/openapi.yaml 一致" ;;
  *) echo "usage: $0 [--write]" >&2; exit 2 ;;
esac
