#!/usr/bin/env bash
# install_deps.sh — install the Debian packages the build, tests and demo need, if missing.
# Runs as root on a fresh Debian 12 machine (CI); elsewhere it only reports what is missing.
set -euo pipefail

packages=(make gcc clang libclang-rt-14-dev postgresql-15 postgresql-server-dev-15
          postgresql-15-pgtap postgresql-contrib libtap-parser-sourcehandler-pgtap-perl postgresql-15-cron)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages: ${missing[*]} (run as root or install them first)" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
