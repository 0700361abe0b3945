# shellcheck shell=bash
# cluster.sh — sourced by test/worker/run.sh and test/worker/crash.sh: the throwaway cluster they
# run in, stopped and started again by the tests themselves.  Either
#   - pg_virtualenv's cluster of Debian's 15 (found with pg_lsclusters, driven by pg_ctlcluster), or
#   - a cluster test/matrix/run.sh started from a cached installation of another major, described
#     by SLA_CLUSTER_PGDATA (data directory), SLA_CLUSTER_BIN (its bin/), SLA_CLUSTER_LOG (server
#     log), SLA_CLUSTER_USER (the OS user it runs as) and SLA_CLUSTER_OPTS (pg_ctl -o options).
# cluster_init sets cluster_pgdata and cluster_log for the server on $PGPORT.

cluster_init() {
	if [ -n "${SLA_CLUSTER_PGDATA:-}" ]; then
		cluster_name=matrix
		cluster_pgdata=$SLA_CLUSTER_PGDATA
		cluster_log=$SLA_CLUSTER_LOG
	else
		read -r cluster_name cluster_pgdata cluster_log < <(pg_lsclusters -h | awk -v p="$PGPORT" '$3 == p { print $2, $6, $7 }')
	fi
}

# a fast shutdown, waiting up to 20 s
cluster_stop() {
	if [ -n "${SLA_CLUSTER_PGDATA:-}" ]; then
		runuser -u "$SLA_CLUSTER_USER" -- "$SLA_CLUSTER_BIN/pg_ctl" -D "$cluster_pgdata" -m fast -t 20 -w stop >/dev/null
	else
		pg_ctlcluster 15 "$cluster_name" stop -m fast -- -t 20
	fi
}

# start again (after a stop or a kill -9: crash recovery), waiting until it accepts connections
cluster_start() {
	if [ -n "${SLA_CLUSTER_PGDATA:-}" ]; then
		runuser -u "$SLA_CLUSTER_USER" -- "$SLA_CLUSTER_BIN/pg_ctl" -D "$cluster_pgdata" -l "$cluster_log" -w \
			-o "$SLA_CLUSTER_OPTS" start >/dev/null
	else
		pg_ctlcluster 15 "$cluster_name" start
	fi
}
