#!/usr/bin/env bash
# build.sh — Citus 13.2.2 for the Citus test (test/citus/run.sh), built once per machine into a
# private copy of Debian's PostgreSQL 15.
#
#   test/citus/build.sh        prints the installation's prefix (bin/ under it) on its last line
#
# 1. installs the Debian dev packages Citus needs when missing (liblz4, libzstd, libcurl, libkrb5,
#    the server headers, xz; as root, from Debian's registry: CI starts from a fresh Debian 12);
# 2. copies Debian's 15 (test/lib/pg_installs.sh's copy_debian_15 does the same for the matrix)
#    into $SLA_PG_CACHE/citus-<first 16 hex digits of the Citus archive's sha256>/, with a
#    .complete marker and a lock: an interrupted build is removed and started again;
# 3. configures Citus with that copy's pg_config, renames Citus's own have_createdb_privilege
#    (on Debian's 15.20 the server exports one too: a #define before Citus's definition, applied
#    to the unpacked copy by sed — the archive is never modified), make -j2 install into the copy.
# Never writes Debian's own /usr/lib/postgresql/15 or /usr/share/postgresql/15.  About 2 minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
SOURCES=${SLA_PG_SOURCES:-$repo/../shared/sources}
CACHE=${SLA_PG_CACHE:-/var/cache/sla-pg}
JOBS=${SLA_PG_JOBS:-2}
archive=$(ls "$SOURCES"/citus-13.*.tar.* | head -n 1)
log() { printf '%s [citus-build] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need_packages() {
	# Citus's configure checks lz4, zstd and curl; Debian's server headers include gssapi's
	# (libkrb5-dev) and libpq's; the archive is .tar.xz
	local packages=(liblz4-dev libzstd-dev libcurl4-openssl-dev libkrb5-dev postgresql-server-dev-15
	                libc6-dev xz-utils make gcc)
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || { echo "missing Debian packages: ${missing[*]} (run as root)" >&2; exit 1; }
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

v=$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null) || {
	echo "PostgreSQL 15 is Debian's: run test/install_deps.sh first" >&2; exit 1; }
sum=$(sha256sum "$archive" | cut -c1-64)
root=$CACHE/citus-${sum:0:16}
prefix=$root/usr/lib/postgresql/15
mkdir -p "$CACHE"
exec 9>"$root.lock"
flock 9
if [ ! -f "$root/.complete" ]; then
	need_packages
	t0=$SECONDS
	log "building $(basename "$archive") into a copy of Debian's PostgreSQL $v at $root (once per machine)"
	rm -rf "$root" "$root.src"
	mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql" "$root/usr/include" "$root.src"
	cp -a /usr/lib/postgresql/15 "$root/usr/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/"
	cp -a /usr/include/postgresql "$root/usr/include/"
	# the copy's pg_config must answer with the copy's directories (it is relocatable)
	case $("$prefix/bin/pg_config" --pkglibdir) in
	"$root"/*) ;;
	*) echo "the copy's pg_config does not point into $root" >&2; exit 1 ;;
	esac
	tar -xf "$archive" -C "$root.src" --strip-components=1
	# PostgreSQL 15.20 exports have_createdb_privilege(); Citus 13.2.2 defines a static one of the
	# same name for 15: rename Citus's copy.
	compat=$root.src/src/include/pg_version_compat.h
	grep -q '^have_createdb_privilege(void)' "$compat" || { echo "Citus's have_createdb_privilege not found in $compat" >&2; exit 1; }
	sed -i 's/^have_createdb_privilege(void)/#define have_createdb_privilege citus_have_createdb_privilege\nhave_createdb_privilege(void)/' "$compat"
	(
		cd "$root.src"
		./configure PG_CONFIG="$prefix/bin/pg_config" >configure.log 2>&1 || { tail -n 30 configure.log; exit 1; }
		make -s -j"$JOBS" >make.log 2>&1 || { grep -E 'error|Error' make.log | tail -n 30; exit 1; }
		make -s install >>make.log 2>&1 || { tail -n 30 make.log; exit 1; }
	) >&2
	[ -f "$prefix/lib/citus.so" ] || { echo "citus.so not installed into $prefix/lib" >&2; exit 1; }
	rm -rf "$root.src"
	echo "$(basename "$archive") $sum on postgresql-15 $v" > "$root/.complete"
	log "built in $((SECONDS - t0)) s"
fi
exec 9>&-
echo "$prefix"
