#!/usr/bin/env bash
# cpu_per_ticket_ab.sh — the engine's CPU time per one-ticket transaction in two clusters (two
# builds of sla, "a" and "b"), interleaved rounds: the backend's own CPU time (utime + stime from
# /proc/<pid>/stat), which other jobs on shared cores disturb much less than throughput.
#
#   A_HOST=/path/to/sockA A_PORT=58220 B_HOST=/path/to/sockB B_PORT=58221 ROUNDS=7 N=4000 \
#       bench/cpu_per_ticket_ab.sh
#
# Each cluster must have been set up with bench/engine_oltp_setup.sql (as its superuser, in
# database postgres) and run on this machine (the script reads /proc of its backend).  Prints
# one line per round and cluster: microseconds of backend CPU per committed ticket insert.
set -euo pipefail
rounds=${ROUNDS:-7}
n=${N:-4000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
procedure="CREATE OR REPLACE PROCEDURE bench_one_per_tx(n int) LANGUAGE plpgsql AS \$\$
DECLARE k int;
BEGIN
    FOR i IN 1..n LOOP
        k := (random() * 1000000)::int;
        INSERT INTO bench_ticket (id, subject, status, priority, department, agent, requester, created, body)
        VALUES (nextval('bench_ticket_id'), 'subject', 'open', 'p' || (k % 12),
                (ARRAY['sales', 'billing', 'support', 'other'])[1 + k % 4], 'agent' || (k % 50),
                'customer' || (k % 5000) || '@example.com', now(), repeat('x', 200));
        COMMIT;		-- one ticket per transaction, as a helpdesk application writes them
    END LOOP;
END \$\$"
for side in A B; do
	host=${side}_HOST port=${side}_PORT
	PGHOST=${!host} PGPORT=${!port} psql -X -q -d postgres -c "$procedure"
done
for r in $(seq 1 "$rounds"); do
	for side in A B; do
		host=${side}_HOST port=${side}_PORT
		PGHOST=${!host} PGPORT=${!port} psql -X -q -At -d postgres >/dev/null <<SQL
CALL bench_one_per_tx(300);
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\! awk '{print \$14 + \$15}' /proc/\$BPID/stat > $tmp/cpu0
CALL bench_one_per_tx($n);
\! awk '{print \$14 + \$15}' /proc/\$BPID/stat > $tmp/cpu1
SQL
		awk -v r="$r" -v s="$side" -v a="$(cat "$tmp/cpu0")" -v b="$(cat "$tmp/cpu1")" -v n="$n" \
		    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "round %d %s cpu_us_per_ticket_tx=%.1f\n", r, s, (b - a) * 1e6 / hz / n }'
	done
done
