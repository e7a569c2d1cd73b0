#!/usr/bin/env bash
# apt-install.sh WHAT PACKAGE...: install Debian packages with apt-get (as root, or with sudo when
# available), explaining WHAT they are for. Fails (exit 1) when they cannot be installed.
set -eu
what=$1; shift
echo "安装${what}：$*" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "无法安装 $*：需要 root 权限（或 sudo）。请运行：apt-get install -y $*" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@"
