#!/usr/bin/env bash
# The monthly PDF report (zhili report, the dashboard's button) lays out Chinese text with the
# Noto CJK fonts from Debian (fonts-noto-cjk) through Pango (WeasyPrint). When they are missing
# they are installed with apt-get (as root, or with sudo when available); nothing is downloaded
# at run time. A machine where they cannot be installed is a failure: the report tests must run.
set -eu

packages=()
if ! command -v fc-list >/dev/null 2>&1; then
  packages+=(fontconfig fonts-noto-cjk)
elif ! fc-list "Noto Sans CJK SC" 2>/dev/null | grep -q . || ! fc-list "Noto Serif CJK SC" 2>/dev/null | grep -q .; then
  packages+=(fonts-noto-cjk)
fi
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so.0" || packages+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || packages+=(libpangoft2-1.0-0)
if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

"$(dirname "$0")/apt-install.sh" "月度报告所需的字体和排版库" "${packages[@]}"
fc-cache -f >/dev/null 2>&1 || true
if ! fc-list "Noto Sans CJK SC" 2>/dev/null | grep -q .; then
  echo "安装后仍找不到字体 Noto Sans CJK SC" >&2
  exit 1
fi
