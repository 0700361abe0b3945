#!/usr/bin/env bash
# run.sh — the version matrix: builds and tests sla on every PostgreSQL major other than
# Debian's 15 (which `make test` covers).
#
#   test/matrix/run.sh                 every major: 16 17 18 19beta2
#   test/matrix/run.sh 17 18           only these
#   test/matrix/run.sh --build-only    build (or find cached) servers and pgTAP, run nothing
#   test/matrix/run.sh 15              Debian's 15, through a private copy of its installation in
#                                      the cache (never installs into Debian's own directories)
#
# For each major it
#   1. builds PostgreSQL from ../shared/sources (SLA_PG_SOURCES) once per machine, cached in
#      /var/cache/sla-pg/<first 16 hex digits of the archive's sha256>/ (SLA_PG_CACHE), with
#      a minimal feature set (no ICU, readline, zlib, NLS) and contrib/dblink;
#   2. builds pgTAP into that installation (cached too, keyed by its archive's sha256);
#   3. copies the work tree to a scratch directory and builds sla there with -Werror
#      (make PG_CONFIG=<cache>/bin/pg_config), installs it into the cached installation;
#   4. starts a throwaway cluster (initdb in a temp dir; port 55416 and up, on a Unix socket in
#      its own directory only, so it never meets another cluster; as the OS user postgres) and
#      runs test/run_sql_suites.sh against it: pg_regress (make installcheck),
#      pgTAP (pg_prove), ALTER EXTENSION sla UPDATE from every released version
#      (test/upgrade/update_path.sh), the docs' SQL examples, the pgbench concurrency check and
#      pg_dump / pg_restore -j 4 of a database in use (test/restore/parallel_restore.sh); then
#      restarts it with sla preloaded: the breach worker must start and a misspelt sla.*
#      setting must be refused; then the demo (300 tickets, test/demo_check.sh), and the breach
#      worker's tests test/worker/run.sh and test/worker/crash.sh and the logical replication
#      subscriber's test/replication/logical.sh, each in a cluster of its own (port 55516 and up;
#      test/lib/cluster.sh).  test/cron stays on Debian's 15 (make test):
#      pg_cron is Debian's package for 15 only, and ../shared/sources has no pg_cron;
#   5. prints one result line per major, and a closing line; exits non-zero if any failed.
# Installs what it needs from Debian's registry (bison, flex, build tools, pg_prove) when run as
# root.  Never touches Debian's PostgreSQL installation.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
SOURCES=${SLA_PG_SOURCES:-$repo/../shared/sources}
CACHE=${SLA_PG_CACHE:-/var/cache/sla-pg}
JOBS=${SLA_PG_JOBS:-$(nproc)}
build_only=0
majors=()
for a in "$@"; do
	case $a in
	--build-only) build_only=1 ;;
	-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) majors+=("$a") ;;
	esac
done
[ ${#majors[@]} -gt 0 ] || majors=(16 17 18 19beta2)
SOURCES=$(cd "$SOURCES" && pwd)

log() { printf '%s [matrix] %s\n' "$(date +%H:%M:%S)" "$*"; }

# archive_of, copy_debian_15 (shared with test/upgrade/)
. "$repo/test/lib/pg_installs.sh"

# ---- Debian packages the builds need -------------------------------------------------------
need_packages() {
	local packages=(make gcc libc6-dev perl bison flex xz-utils bzip2 pkg-config
	                libtap-parser-sourcehandler-pgtap-perl git)
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages: ${missing[*]} (run as root or install them first)" >&2
		exit 1
	fi
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---- PostgreSQL and pgTAP, built once per machine ------------------------------------------
# Prints the installation directory.  A build is complete when its .complete stamp exists; an
# interrupted one is removed and started again.  One build of an archive at a time (flock).
build_pg() {
	local archive=$1 sum key prefix src t0
	sum=$(sha256sum "$archive" | cut -c1-64)
	key=${sum:0:16}
	prefix=$CACHE/$key
	exec 8>"$CACHE/.lock-$key"
	flock 8
	if [ ! -f "$prefix/.complete" ]; then
		t0=$SECONDS
		log "building $(basename "$archive") into $prefix (once per machine)" >&2
		rm -rf "$prefix" "$CACHE/src-$key"
		src=$CACHE/src-$key
		mkdir -p "$src"
		tar -xf "$archive" -C "$src" --strip-components=1
		(
			cd "$src"
			./configure --prefix="$prefix" --without-icu --without-readline --without-zlib \
				--disable-nls --without-llvm --without-openssl --without-gssapi --without-ldap \
				--without-libxml --without-lz4 --without-zstd --without-systemd \
				--without-selinux --without-libcurl --without-perl --without-python --without-tcl \
				CFLAGS='-O2' >configure.log 2>&1 || { tail -n 30 configure.log; exit 1; }
			make -s -j"$JOBS" >make.log 2>&1 || { grep -E 'error|Error' make.log | tail -n 30; exit 1; }
			make -s install >>make.log 2>&1 || { tail -n 30 make.log; exit 1; }
			make -s -C contrib/dblink -j"$JOBS" install >>make.log 2>&1 || { tail -n 30 make.log; exit 1; }
		) >&2
		rm -rf "$src"
		echo "$sum  $(basename "$archive")" > "$prefix/.complete"
		log "built $(basename "$archive") in $((SECONDS - t0)) s" >&2
	fi
	exec 8>&-
	echo "$prefix"
}

build_pgtap() {
	local prefix=$1 archive sum src
	archive=$(ls "$SOURCES"/pgtap-*.tar.* | head -n 1)
	sum=$(sha256sum "$archive" | cut -c1-64)
	exec 7>"$prefix.pgtap-lock"
	flock 7
	[ -f "$prefix/.pgtap-${sum:0:16}" ] && { exec 7>&-; return 0; }
	log "building $(basename "$archive") for $prefix"
	src=$(mktemp -d)
	tar -xf "$archive" -C "$src" --strip-components=1
	( cd "$src" && make -s PG_CONFIG="$prefix/bin/pg_config" >build.log 2>&1 &&
	  make -s PG_CONFIG="$prefix/bin/pg_config" install >>build.log 2>&1 ) ||
		{ tail -n 30 "$src/build.log"; rm -rf "$src"; return 1; }
	rm -rf "$src"
	touch "$prefix/.pgtap-${sum:0:16}"
	exec 7>&-
}

need_packages
mkdir -p "$CACHE"
os_user=$(cluster_os_user)

t_start=$SECONDS
declare -A prefix_of
for m in "${majors[@]}"; do
	if [ "$m" = 15 ]; then prefix_of[$m]=$(copy_debian_15); continue; fi
	archive=$(archive_of "$m") || { echo "no source archive for PostgreSQL $m in $SOURCES" >&2; exit 1; }
	prefix_of[$m]=$(build_pg "$archive")
	build_pgtap "${prefix_of[$m]}"
done
[ $build_only -eq 1 ] && { log "servers ready: ${majors[*]}"; exit 0; }

# ---- sla against one major -----------------------------------------------------------------
# The work tree (committed and uncommitted files, nothing ignored) is copied so that the build
# for another major never mixes with the developer's objects.  Prints one result line.
port=55416
results=()
failed=0

# A test that starts and stops its server itself (test/worker/run.sh, test/worker/crash.sh), in
# a cluster of its own: initdb in $dir, started with sla preloaded and the given settings on port
# $wport, described to the test by SLA_CLUSTER_* (test/lib/cluster.sh).  Output in $dir.log;
# returns the test's status.
own_cluster_test() {   # prefix dir wport settings test
	local prefix=$1 dir=$2 wport=$3 settings=$4 test=$5 opts rc=0
	opts="-p $wport -k $dir/sock -c listen_addresses= -c fsync=off -c shared_preload_libraries=sla $settings"
	mkdir -p "$dir/sock" && chown -R "$os_user": "$dir"
	runuser -u "$os_user" -- "$prefix/bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$dir.log" 2>&1 || { cat "$dir.log"; return 1; }
	runuser -u "$os_user" -- "$prefix/bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$opts" start \
		>>"$dir.log" 2>&1 || { tail -n 20 "$dir/server.log"; return 1; }
	(cd "$work/sla" && PATH="$prefix/bin:$PATH" PGHOST="$dir/sock" PGPORT=$wport PGUSER=postgres \
	    PGDATABASE=postgres SLA_WORKER_TEST_INSIDE=1 SLA_CRASH_TEST_INSIDE=1 SLA_LOGICAL_TEST_INSIDE=1 SLA_CLUSTER_PGDATA="$dir/data" \
	    SLA_CLUSTER_BIN="$prefix/bin" SLA_CLUSTER_LOG="$dir/server.log" SLA_CLUSTER_USER="$os_user" \
	    SLA_CLUSTER_OPTS="$opts" "$test") >>"$dir.log" 2>&1 || rc=$?
	runuser -u "$os_user" -- "$prefix/bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	return $rc
}

run_major() {
	local m=$1 prefix=$2 work t0=$SECONDS version status=PASS detail warnings
	version=$("$prefix/bin/pg_config" --version | sed 's/^PostgreSQL //')
	work=$(mktemp -d "/tmp/sla-matrix-$m.XXXXXX")
	chmod 755 "$work"
	mkdir "$work/sla" "$work/pg"
	(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$work/sla"
	log "PostgreSQL $version: building sla (scratch copy in $work)"
	if ! (cd "$work/sla" && make -s PG_CONFIG="$prefix/bin/pg_config" SLA_WERROR=1 >"$work/build.log" 2>&1 &&
	      make -s PG_CONFIG="$prefix/bin/pg_config" install >>"$work/build.log" 2>&1); then
		cat "$work/build.log"
		results+=("PostgreSQL $version: FAIL build (see the compiler output above)")
		failed=1
		rm -rf "$work"
		return
	fi
	warnings=$(grep -c 'warning:' "$work/build.log" || true)

	# a throwaway cluster: Unix socket only, in its own directory, run as $os_user
	local pg=$work/pg
	mkdir "$pg/sock" && chown -R "$os_user": "$pg"
	runuser -u "$os_user" -- "$prefix/bin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$pg/initdb.log" 2>&1 || { cat "$pg/initdb.log"; exit 1; }
	runuser -u "$os_user" -- "$prefix/bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w \
		-o "-p $port -k $pg/sock -c listen_addresses= -c fsync=off" start >/dev/null ||
		{ cat "$pg/server.log"; exit 1; }
	# shellcheck disable=SC2064
	trap "runuser -u '$os_user' -- '$prefix/bin/pg_ctl' -D '$pg/data' -m immediate stop >/dev/null 2>&1; rm -rf '$work'" EXIT

	log "PostgreSQL $version: suites against the cluster on port $port"
	if (cd "$work/sla" && PATH="$prefix/bin:$PATH" PG_CONFIG="$prefix/bin/pg_config" \
	    PGBENCH="$prefix/bin/pgbench" PGHOST="$pg/sock" PGPORT=$port PGUSER=postgres \
	    PGDATABASE=postgres ./test/run_sql_suites.sh) >"$work/suites.log" 2>&1; then
		status=PASS
	else
		status=FAIL
		failed=1
		tail -n 80 "$work/suites.log"
	fi

	# sla preloaded: the breach worker starts and the sla. prefix is reserved in every session
	local preload=failed
	if runuser -u "$os_user" -- "$prefix/bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -m fast \
	       -o "-p $port -k $pg/sock -c listen_addresses= -c fsync=off -c shared_preload_libraries=sla -c sla.breach_worker_database=postgres -c sla.breach_worker_interval=200" \
	       restart >/dev/null 2>&1; then
		local q=("$prefix/bin/psql" -qXAt -h "$pg/sock" -p "$port" -U postgres -d postgres) i workers=0 typo
		for i in $(seq 1 50); do
			workers=$("${q[@]}" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'sla breach worker'" 2>/dev/null || echo 0)
			[ "$workers" = 1 ] && break
			sleep 0.2
		done
		typo=$("${q[@]}" -c "SET sla.breach_worker_intreval = '5s'" 2>&1 || true)
		if [ "$workers" = 1 ] && [[ $typo == *'invalid configuration parameter name'* ]]; then
			preload=ok
		else
			status=FAIL
			failed=1
			echo "preloaded: $workers breach workers; a misspelt setting gave: ${typo:-no error}"
			tail -n 20 "$pg/server.log"
		fi
	fi
	[ "$preload" = ok ] || { status=FAIL; failed=1; }

	# the demo, small, in its own database (test/demo_check.sh: every report printed)
	local demo=ok worker=ok crash=ok logical=ok
	if ! (cd "$work/sla" && PATH="$prefix/bin:$PATH" PGHOST="$pg/sock" PGPORT=$port PGUSER=postgres \
	      psql -qX -d postgres -c 'CREATE DATABASE sla_demo' &&
	      PATH="$prefix/bin:$PATH" PGHOST="$pg/sock" PGPORT=$port PGUSER=postgres \
	      psql -X -q -v ON_ERROR_STOP=1 -v tickets=300 -P pager=off -d sla_demo -f test/demo.sql) \
	      >"$work/demo.log" 2>&1 || ! ./test/demo_check.sh "$work/demo.log" 300 >/dev/null 2>&1; then
		demo=FAIL; status=FAIL; failed=1
		tail -n 30 "$work/demo.log"
	fi
	# the breach worker end to end, then under crashes, each in a cluster of its own (test/worker;
	# test/cron needs pg_cron, which only Debian's 15 has here: make test runs it)
	own_cluster_test "$prefix" "$work/worker" $((port + 100)) \
		"-c sla.breach_worker_database=sla_worker -c sla.breach_worker_interval=200" ./test/worker/run.sh ||
		{ worker=FAIL; status=FAIL; failed=1; tail -n 30 "$work/worker.log"; grep '^not ok' "$work/worker.log" || true; }
	own_cluster_test "$prefix" "$work/crash" $((port + 100)) \
		"-c sla.breach_worker_database=postgres -c sla.breach_worker_interval=100" ./test/worker/crash.sh ||
		{ crash=FAIL; status=FAIL; failed=1; tail -n 30 "$work/crash.log"; grep '^not ok' "$work/crash.log" || true; }
	# a logical replication subscriber (test/replication/logical.sh): the apply worker fires row
	# triggers only
	own_cluster_test "$prefix" "$work/logical" $((port + 100)) \
		"-c wal_level=logical -c max_replication_slots=4 -c max_wal_senders=4" ./test/replication/logical.sh ||
		{ logical=FAIL; status=FAIL; failed=1; tail -n 30 "$work/logical.log"; grep '^not ok' "$work/logical.log" || true; }
	[ $worker = ok ] && worker="ok ($(grep -o 'breach [0-9.]* s after due_at' "$work/worker.log" || echo '?'))"
	[ $crash = ok ] && crash="ok ($(grep -o '8,000 breach events, none twice, none missing' "$work/crash.log" || echo '?'))"

	local regress pgtap docs conc update restore
	regress=$(grep -Eo '(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)' "$work/suites.log" | tail -n 1 || true)
	pgtap=$(grep -Eo 'Files=[0-9]+, Tests=[0-9]+' "$work/suites.log" | tail -n 1 || true)
	if grep -q '^Result: PASS' "$work/suites.log"; then pgtap="$pgtap, all pass"; else pgtap="${pgtap:-not run}, failures"; fi
	docs=$(awk '/^doc examples: / { c += $3; f += $5; n++ } END { if (n) printf "%d files, %d checked, %d failed", n, c, f; else print "not run" }' "$work/suites.log")
	conc=$(grep -c '^concurrency:' "$work/suites.log" || true)
	update=$(grep -q '^ALTER EXTENSION sla UPDATE to .*: PASS' "$work/suites.log" && echo ok || echo 'not ok')
	restore=$(grep -q '^pg_restore -j 4 of a database with sla in use .*: PASS' "$work/suites.log" && echo ok || echo 'not ok')
	detail="build ok, $warnings warnings; pg_regress: ${regress:-not run}; pgTAP: $pgtap; ALTER EXTENSION UPDATE from the released versions: $update; docs examples: $docs; concurrency checks: $conc; pg_dump/pg_restore -j 4 identical: $restore; preloaded worker and reserved prefix: $preload; demo (300 tickets): $demo; worker: $worker; crash: $crash; logical replication subscriber: $logical"
	results+=("PostgreSQL $version: $status ($detail; $((SECONDS - t0)) s)")

	runuser -u "$os_user" -- "$prefix/bin/pg_ctl" -D "$pg/data" -m fast stop >/dev/null
	trap - EXIT
	rm -rf "$work"
	port=$((port + 1))
}

t_all=$SECONDS
t_builds=$((t_all - t_start))
for m in "${majors[@]}"; do
	run_major "$m" "${prefix_of[$m]}"
	echo "${results[-1]}"
done
echo
for r in "${results[@]}"; do echo "$r"; done
if [ $failed -eq 0 ]; then
	echo "matrix: all ${#majors[@]} majors passed (${majors[*]}) in $((SECONDS - t_start)) s ($t_builds s building or finding PostgreSQL and pgTAP, $((SECONDS - t_all)) s for sla)"
else
	echo "matrix: FAILED on at least one major (${majors[*]}) in $((SECONDS - t_start)) s ($t_builds s building or finding PostgreSQL and pgTAP, $((SECONDS - t_all)) s for sla)"
	exit 1
fi
