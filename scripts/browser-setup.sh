#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (tests/browser/, Playwright's
# Python API with executable_path=/usr/bin/chromium; `playwright install` is never run). When it
# is missing it is installed with apt-get (as root, or with sudo when available). A browser that
# cannot be installed is a failure: the browser tests must run in CI, never be skipped.
# Also installs the CJK fonts the screenshots need (fonts-noto-cjk), when missing.
set -eu
CHROMIUM=${ZHILI_CHROMIUM:-/usr/bin/chromium}

packages=()
[ -x "$CHROMIUM" ] || packages+=(chromium)
if command -v fc-list >/dev/null 2>&1 && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  packages+=(fonts-noto-cjk)
fi
if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

"$(dirname "$0")/apt-install.sh" "浏览器测试所需的软件包" "${packages[@]}"
if [ ! -x "$CHROMIUM" ]; then
  echo "安装后仍找不到 $CHROMIUM" >&2
  exit 1
fi
