# shellcheck shell=bash
# pg_installs.sh — sourced by test/matrix/run.sh and test/upgrade/*.sh: where the PostgreSQL
# installations the project tests against live, and how sla gets into one of them.
#
# Needs: SOURCES (../shared/sources), CACHE (/var/cache/sla-pg).  Never touches Debian's own
# PostgreSQL directories: sla is installed only into installations under $CACHE.

# The source archive of a major: postgresql-<major>.<minor>.tar.*, or postgresql-19beta2.tar.*
archive_of() {
	local m=$1 f
	for f in "$SOURCES"/postgresql-"$m".*tar.* "$SOURCES"/postgresql-"$m".tar.*; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
	return 1
}

# The cache directory of an archive's build (complete or not): the first 16 hex digits of its sha256
cache_prefix_of() {
	local sum
	sum=$(sha256sum "$1" | cut -c1-64)
	echo "$CACHE/${sum:0:16}"
}

# Debian's PostgreSQL 15 with its pgTAP and contrib, copied (it is relocatable) so that sla can be
# installed into the copy: the shared installation stays as the packages left it.
copy_debian_15() {
	local v root
	v=$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null) || {
		echo "PostgreSQL 15 is Debian's: run test/install_deps.sh first" >&2; return 1; }
	root=$CACHE/debian-15-${v//[^0-9A-Za-z.]/_}
	exec 8>"$root.lock"
	flock 8
	if [ ! -f "$root/.complete" ]; then
		rm -rf "$root"
		mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql" "$root/usr/include"
		cp -a /usr/lib/postgresql/15 "$root/usr/lib/postgresql/"
		cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/"
		cp -a /usr/include/postgresql "$root/usr/include/"
		echo "postgresql-15 $v" > "$root/.complete"
	fi
	exec 8>&-
	# the prefix the rest of the scripts use: bin/ under it
	echo "$root/usr/lib/postgresql/15"
}

# The installation of a major, ready to use (prints its prefix, with bin/ under it): the private
# copy of Debian's 15, or the cached source build (built by test/matrix/run.sh --build-only when
# missing: about 5 minutes once per machine).
pg_prefix() {
	local m=$1 archive prefix
	if [ "$m" = 15 ]; then copy_debian_15; return; fi
	archive=$(archive_of "$m") || { echo "no source archive for PostgreSQL $m in $SOURCES" >&2; return 1; }
	prefix=$(cache_prefix_of "$archive")
	if [ ! -f "$prefix/.complete" ]; then
		SLA_PG_SOURCES=$SOURCES SLA_PG_CACHE=$CACHE "$(dirname "${BASH_SOURCE[0]}")/../matrix/run.sh" \
			--build-only "$m" >&2 || return 1
	fi
	echo "$prefix"
}

# Copies the work tree of $1 (committed and uncommitted files, nothing ignored) to $2, builds sla
# there with -Werror against the installation $3 and installs it into $3, which must be under
# $CACHE (refused otherwise: Debian's own directories are never written).  Build output in $2.log.
install_sla_into() {
	local repo=$1 dir=$2 prefix=$3 d
	for d in "$("$prefix/bin/pg_config" --pkglibdir)" "$("$prefix/bin/pg_config" --sharedir)"; do
		case $(realpath -m "$d") in
		"$(realpath -m "$CACHE")"/*) ;;
		*) echo "refusing to install sla into $d: not under $CACHE" >&2; return 1 ;;
		esac
	done
	mkdir -p "$dir"
	(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$dir"
	if ! (cd "$dir" && make -s PG_CONFIG="$prefix/bin/pg_config" SLA_WERROR=1 >"$dir.log" 2>&1 &&
	      make -s PG_CONFIG="$prefix/bin/pg_config" install >>"$dir.log" 2>&1); then
		cat "$dir.log" >&2
		return 1
	fi
}

# The OS user throwaway clusters run as: postgres (Debian's packages create it), or a system
# user of our own, created when missing.
cluster_os_user() {
	local u=postgres
	if ! id -u "$u" >/dev/null 2>&1; then
		u=sla-matrix
		id -u "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
	fi
	echo "$u"
}
