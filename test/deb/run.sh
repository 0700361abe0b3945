#!/usr/bin/env bash
# run.sh — the Debian package's check, autopkgtest-style, without installing it into the
# system's PostgreSQL (debian/tests/installcheck is the same check for a real autopkgtest run,
# where the package is installed with dpkg in a throwaway system).
#
#   test/deb/run.sh                 build the package (test/deb/build.sh, into build/deb), check it
#   SLA_DEB=path.deb test/deb/run.sh   check a package built before
#
#   1. debian/changelog's upstream version is sla.control's default_version; dpkg-deb -I: the
#      package is postgresql-15-sla at debian/changelog's version, and Depends
#      names postgresql-15 and libc6;
#   2. dpkg-deb -x into a private root: it holds sla.so, sla.control, sla--<version>.sql (the
#      version of sla.control), the released install scripts and the upgrade scripts of
#      src/sql/, and nothing outside PostgreSQL 15's lib and share directories and its own doc
#      directory (bitcode optional);
#   3. a scratch copy of the private copy of Debian's 15 (test/lib/pg_installs.sh's
#      copy_debian_15, under /var/cache/sla-pg; the copy is not modified, and Debian's own
#      /usr/lib/postgresql/15 and /usr/share/postgresql/15 are never written), with any sla
#      files removed and the package's files installed, as dpkg would put them;
#   4. a throwaway cluster of that installation (initdb in a temp dir, as the OS user postgres,
#      Unix socket in its own directory, port $SLA_DEB_CHECK_PORT, default 55450): the pg_regress
#      suite (make installcheck with that installation's pg_config), then a restart with
#      shared_preload_libraries = 'sla': the breach worker must start.
# Prints one result line; exits non-zero on failure.  SLA_KEEP=1 keeps the scratch directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SLA_PG_CACHE:-/var/cache/sla-pg}
. "$repo/test/lib/pg_installs.sh"
port=${SLA_DEB_CHECK_PORT:-55450}
major=15
t0=$SECONDS
name="Debian package postgresql-$major-sla"
log() { printf '%s [deb] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { echo "$name: FAIL: $* ($((SECONDS - t0)) s)"; exit 1; }

version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
extversion=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$repo/sla.control")
[ "${version%-*}" = "$extversion" ] ||
	fail "debian/changelog's version $version is not sla.control's default_version $extversion"

# ---- the package ---------------------------------------------------------------------------
t_build=0
if [ -n "${SLA_DEB:-}" ]; then
	deb=$SLA_DEB
else
	t_build=$SECONDS
	deb=$("$repo/test/deb/build.sh" | tail -n 1) || fail "the package does not build (make deb)"
	t_build=$((SECONDS - t_build))
fi
[ -f "$deb" ] || fail "no package $deb"

os_user=$(cluster_os_user)
work=$(mktemp -d /tmp/sla-deb-check.XXXXXX)
chmod 755 "$work"
pg=$work/pg
prefix=
as_pg() { runuser -u "$os_user" -- "$@"; }
cleanup() {
	[ -n "$prefix" ] && [ -f "$pg/data/postmaster.pid" ] &&
		as_pg "$prefix/bin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1
	[ -n "${SLA_KEEP:-}" ] && { echo "kept $work"; return; }
	rm -rf "$work"
}
trap cleanup EXIT

log "checking $deb"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = "postgresql-$major-sla" ] || fail "Package is $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version is $(field Version), debian/changelog says $version"
depends=$(field Depends)
[[ ",$depends" =~ ,\ ?postgresql-$major( |,|$) ]] || fail "Depends lacks postgresql-$major: $depends"
[[ ",$depends" =~ ,\ ?libc6( |,|$) ]] || fail "Depends lacks libc6: $depends"

root=$work/root
dpkg-deb -x "$deb" "$root"
lib=usr/lib/postgresql/$major/lib
ext=usr/share/postgresql/$major/extension
expected=("$lib/sla.so" "$ext/sla.control" "$ext/sla--$extversion.sql")
for f in "$repo"/src/sql/sla--*.sql; do
	[ -e "$f" ] && expected+=("$ext/$(basename "$f")")
done
for f in "${expected[@]}"; do
	[ -s "$root/$f" ] || fail "the package lacks /$f"
done
stray=$(cd "$root" && find . ! -type d | sed 's|^\./||' | {
	grep -Ev "^($lib/sla\.so|$lib/bitcode/sla(/.*|\.index\.bc)|$ext/sla(\.control|--.*\.sql)|usr/share/doc/postgresql-$major-sla/.*)$" || true; })
[ -z "$stray" ] || fail "unexpected files in the package: $(echo "$stray" | tr '\n' ' ')"
cmp -s "$root/$ext/sla.control" "$repo/sla.control" || fail "the packaged sla.control is not the tree's"
nfiles=$(cd "$root" && find . ! -type d | wc -l)
bitcode=$(cd "$root" && find "$lib/bitcode" -name '*.bc' 2>/dev/null | wc -l)

# ---- a private installation of Debian's 15 with the package's files --------------------------
cached=$(copy_debian_15) || fail "no private copy of Debian's PostgreSQL $major"
cached_root=${cached%/usr/lib/postgresql/"$major"}
inst=$work/inst
mkdir "$inst"
cp -a "$cached_root/usr" "$inst/"
prefix=$inst/usr/lib/postgresql/$major
for d in "$("$prefix/bin/pg_config" --pkglibdir)" "$("$prefix/bin/pg_config" --sharedir)"; do
	case $(realpath -m "$d") in
	"$inst"/*) ;;
	*) fail "the installation's pg_config points outside the scratch copy: $d" ;;
	esac
done
# whatever sla files the cached copy holds (other tests install work-tree builds there) go first
rm -rf "$inst/$lib/sla.so" "$inst/$lib/bitcode/sla" "$inst/$lib/bitcode/sla.index.bc" "$inst/$ext"/sla.control "$inst/$ext"/sla--*.sql
cp -a "$root/usr/lib/postgresql" "$inst/usr/lib/"
cp -a "$root/usr/share/postgresql" "$inst/usr/share/"
cmp -s "$root/$lib/sla.so" "$inst/$lib/sla.so" || fail "sla.so was not installed into the scratch copy"

# ---- the pg_regress suite against it -------------------------------------------------------
src=$work/sla
mkdir "$src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$src"
mkdir -p "$pg/sock"
chown -R "$os_user": "$pg"
as_pg "$prefix/bin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
	>"$pg/initdb.log" 2>&1 || { cat "$pg/initdb.log"; fail "initdb"; }
start_opts="-p $port -k $pg/sock -c listen_addresses= -c fsync=off"
as_pg "$prefix/bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -o "$start_opts" start >/dev/null ||
	{ tail -n 30 "$pg/server.log"; fail "the server does not start"; }

log "pg_regress against the package's files (PostgreSQL $("$prefix/bin/pg_config" --version | sed 's/^PostgreSQL //'), port $port)"
if ! (cd "$src" && PGHOST=$pg/sock PGPORT=$port PGUSER=postgres \
      make -s PG_CONFIG="$prefix/bin/pg_config" installcheck) >"$work/regress.log" 2>&1; then
	cat "$work/regress.log"
	[ -f "$src/regression.diffs" ] && head -n 200 "$src/regression.diffs"
	fail "pg_regress: $(grep -Eo '[0-9]+ of [0-9]+ tests failed' "$work/regress.log" || echo 'did not run')"
fi
regress=$(grep -Eo 'All [0-9]+ tests passed' "$work/regress.log" || true)
[ -n "$regress" ] || { cat "$work/regress.log"; fail "pg_regress printed no result"; }

# the server loaded the package's library (not another sla.so) ...
q=("$prefix/bin/psql" -qXAt -h "$pg/sock" -p "$port" -U postgres -d postgres)
libdir=$("${q[@]}" -c "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'")
[ "$(realpath -m "$libdir")" = "$(realpath -m "$inst/$lib")" ] || fail "the server's \$libdir is $libdir, not the scratch copy's"
# ... and, preloaded, starts the breach worker
as_pg "$prefix/bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -m fast \
	-o "$start_opts -c shared_preload_libraries=sla -c sla.breach_worker_database=postgres" \
	restart >/dev/null || { tail -n 30 "$pg/server.log"; fail "the server does not start with sla preloaded"; }
workers=0
for _ in $(seq 1 50); do
	workers=$("${q[@]}" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'sla breach worker'" 2>/dev/null || echo 0)
	[ "$workers" = 1 ] && break
	sleep 0.2
done
[ "$workers" = 1 ] || { tail -n 20 "$pg/server.log"; fail "preloaded, $workers breach workers run"; }
as_pg "$prefix/bin/pg_ctl" -D "$pg/data" -m fast stop >/dev/null

echo "$name: PASS ($(basename "$deb"); $nfiles files, $bitcode bitcode; Depends: $depends; pg_regress against the package's files: $regress; preloaded breach worker starts; $((SECONDS - t0)) s$([ "$t_build" -gt 0 ] && echo ", of which $t_build s building the package"))"
