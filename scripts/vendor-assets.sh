#!/usr/bin/env bash
# Vendor the pinned front-end libraries into src/zhili/web/static/vendor/ (no CDN, ever: the
# district intranet is offline). Each package is fetched from the npm registry with `npm pack`,
# only its minified dist files (plus the source maps they name, and the licence texts) are kept,
# and MANIFEST.txt records name, version, file, sha256 and the path inside the package.
#
# Usage: scripts/vendor-assets.sh          (re-vendor everything, then commit the result)
# To upgrade a library: change its version below, run this script, run the tests, commit.
# scripts/verify-vendored-assets.sh checks the committed files against MANIFEST.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/src/zhili/web/static/vendor"

# package  version  path inside the package (below package/)
ASSETS=(
  "bootstrap 5.3.9 dist/css/bootstrap.min.css"
  "bootstrap 5.3.9 dist/css/bootstrap.min.css.map"
  "bootstrap 5.3.9 dist/js/bootstrap.bundle.min.js"
  "bootstrap 5.3.9 dist/js/bootstrap.bundle.min.js.map"
  "bootstrap 5.3.9 LICENSE"
  "htmx.org 2.0.11 dist/htmx.min.js"
  "htmx.org 2.0.11 LICENSE"
  "echarts 6.1.0 dist/echarts.min.js"
  "echarts 6.1.0 LICENSE"
  "echarts 6.1.0 NOTICE"
)

command -v npm >/dev/null || { echo "vendor-assets: npm is required" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Download and unpack each name@version once.
for spec in "${ASSETS[@]}"; do
  read -r name version _ <<<"$spec"
  dir="$WORK/$name@$version"
  if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir"
    echo "fetching $name@$version" >&2
    tarball="$(cd "$dir" && npm pack --silent "$name@$version" | tail -n 1)"
    tar -xzf "$dir/$tarball" -C "$dir"
  fi
done

# Replace the vendor folder only after every download succeeded.
rm -rf "$VENDOR"
mkdir -p "$VENDOR"
{
  echo "# Vendored front-end files: written by scripts/vendor-assets.sh, checked by"
  echo "# scripts/verify-vendored-assets.sh. Do not edit by hand."
  echo "# name version file sha256 source"
} >"$VENDOR/MANIFEST.txt"
for spec in "${ASSETS[@]}"; do
  read -r name version source <<<"$spec"
  src="$WORK/$name@$version/package/$source"
  [[ -f "$src" ]] || { echo "vendor-assets: $name@$version has no $source" >&2; exit 1; }
  file="$name/$(basename "$source")"
  mkdir -p "$VENDOR/$name"
  cp "$src" "$VENDOR/$file"
  sum="$(sha256sum "$VENDOR/$file" | cut -d' ' -f1)"
  echo "$name $version $file $sum $source" >>"$VENDOR/MANIFEST.txt"
done
echo "vendored $(( ${#ASSETS[@]} )) files into ${VENDOR#"$ROOT"/}" >&2
