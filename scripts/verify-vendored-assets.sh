#!/usr/bin/env bash
# Check the vendored front-end files against src/zhili/web/static/vendor/MANIFEST.txt.
#
#   scripts/verify-vendored-assets.sh            offline (CI): every listed file exists and has
#                                                its sha256; no unlisted file lies in vendor/
#   scripts/verify-vendored-assets.sh --refetch  also download each name@version from the npm
#                                                registry and compare the bytes with upstream
# Exits 1 on any difference, naming each file.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/src/zhili/web/static/vendor"
MANIFEST="$VENDOR/MANIFEST.txt"

refetch=0
case "${1:-}" in
  "") ;;
  --refetch) refetch=1 ;;
  *) echo "usage: $0 [--refetch]" >&2; exit 2 ;;
esac

[[ -f "$MANIFEST" ]] || { echo "verify: $MANIFEST is missing" >&2; exit 1; }

failures=0
declare -A listed=()
while read -r name version file sum source; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  listed["$file"]=1
  if [[ ! -f "$VENDOR/$file" ]]; then
    echo "MISSING  $file" >&2; failures=$((failures + 1)); continue
  fi
  actual="$(sha256sum "$VENDOR/$file" | cut -d' ' -f1)"
  if [[ "$actual" != "$sum" ]]; then
    echo "CHANGED  $file (sha256 $actual, manifest $sum)" >&2; failures=$((failures + 1))
  fi
done <"$MANIFEST"

while IFS= read -r -d '' path; do
  file="${path#"$VENDOR"/}"
  [[ "$file" == "MANIFEST.txt" ]] && continue
  if [[ -z "${listed[$file]:-}" ]]; then
    echo "UNLISTED $file" >&2; failures=$((failures + 1))
  fi
done < <(find "$VENDOR" -type f -print0)

if (( refetch )); then
  command -v npm >/dev/null || { echo "verify: npm is required for --refetch" >&2; exit 1; }
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  while read -r name version file sum source; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    dir="$WORK/$name@$version"
    if [[ ! -d "$dir" ]]; then
      mkdir -p "$dir"
      tarball="$(cd "$dir" && npm pack --silent "$name@$version" | tail -n 1)"
      tar -xzf "$dir/$tarball" -C "$dir"
    fi
    if ! cmp -s "$dir/package/$source" "$VENDOR/$file"; then
      echo "UPSTREAM $file differs from $name@$version:$source" >&2; failures=$((failures + 1))
    fi
  done <"$MANIFEST"
fi

if (( failures )); then
  echo "verify: $failures problem(s) with vendored assets; run scripts/vendor-assets.sh" >&2
  exit 1
fi
echo "verify: $(grep -vc '^#' "$MANIFEST") vendored files match MANIFEST.txt$( ((refetch)) && echo ' and upstream')"
