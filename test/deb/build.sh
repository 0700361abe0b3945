#!/usr/bin/env bash
# build.sh — `make deb`: the Debian binary package postgresql-15-sla from debian/ (pg_buildext,
# dh --with pgxs_loop), built with `dpkg-buildpackage -us -uc -b` in a scratch copy of the work
# tree (committed and uncommitted files, nothing ignored), never in the tree itself.
#
#   test/deb/build.sh [OUTDIR]      default OUTDIR: build/deb in the work tree (ignored by git)
#
# The .deb, .buildinfo and .changes land in OUTDIR; the last line of output is the .deb's path.
# The build runs debian/rules' own test (dh_pgxs_test: the pg_regress suite in a pg_virtualenv
# cluster against the files in debian/postgresql-15-sla, through extension_destdir; nothing is
# installed into the system's PostgreSQL) on port $SLA_DEB_PORT (default 55451); skip it with
# DEB_BUILD_OPTIONS=nocheck.  Installs the Debian packages the build needs when run as root.
# The full build log is OUTDIR/build.log.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { printf '%s [deb] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

packages=(build-essential dpkg-dev debhelper postgresql-server-dev-all postgresql-15 git)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages: ${missing[*]} (run as root or install them first)" >&2
		exit 1
	fi
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
upstream=${version%-*}
work=$(mktemp -d /tmp/sla-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/sla-$upstream
mkdir "$src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$src"

log "dpkg-buildpackage -us -uc -b for sla $version (scratch copy in $work)"
t0=$SECONDS
if ! (cd "$src" && PGPORT=${SLA_DEB_PORT:-55451} dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	cp "$work/build.log" "$out/build.log"
	tail -n 60 "$work/build.log" >&2
	log "FAILED after $((SECONDS - t0)) s (full log: $out/build.log)"
	exit 1
fi
cp "$work/build.log" "$out/build.log"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
rm -f "$out"/postgresql-*-sla_"$version"_*.deb "$out"/sla_"$version"_*.buildinfo "$out"/sla_"$version"_*.changes
cp "$work"/*.deb "$work"/sla_"$version"_*.buildinfo "$work"/sla_"$version"_*.changes "$out/"
deb=$out/postgresql-15-sla_${version}_$arch.deb
[ -f "$deb" ] || { log "no $deb after the build"; ls "$work" >&2; exit 1; }
log "built in $((SECONDS - t0)) s: $(cd "$out" && printf '%s ' ./*.deb)"
echo "$deb"
