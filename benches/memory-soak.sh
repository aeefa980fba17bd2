#!/usr/bin/env bash
# Memory under a long update-heavy run: does db001's resident memory stay flat while garbage
# collection reclaims the versions that updates leave behind?
#
# What it does:
#   1. starts the release `db001` binary on free loopback ports in a fresh data directory;
#   2. loads ROWS rows into `soak(id int primary key, counter bigint, pad text)` (about 130 bytes
#      a row) with generate_series, and waits for the load's garbage to settle;
#   3. records the server's RSS (VmRSS from /proc/PID/status) and the GC counters from /metrics
#      (db001_gc_versions_collected_total, db001_gc_rows_collected_total) — "before";
#   4. runs an update-heavy pgbench workload for MINUTES minutes with CLIENTS connections: every
#      transaction updates one random row, one of HOT hot rows, and deletes and re-inserts one
#      random row of its own (ids are split between clients so a re-insert never meets 23505),
#      so row removal and row id reuse are exercised too;
#   5. samples RSS, VmHWM and the GC counters every SAMPLE_SECONDS into soak.csv;
#   6. reports RSS before/after, the largest sample, and whether memory stayed flat: the last
#      third of the run's samples may not exceed the first post-warm-up sample by more than
#      FLAT_TOLERANCE_PERCENT percent (the first samples include allocator warm-up: pgbench's
#      connections, the WAL buffers and the first checkpoint).
#
# RSS measures what the kernel has mapped for the process, allocator caches included, so it
# is an upper bound on live data; a leak shows as steady growth across samples, not as one step.
#
# Usage: benches/memory-soak.sh            # 30 minutes
#        MINUTES=2 benches/memory-soak.sh  # a smoke run
# Environment (defaults in brackets):
#   MINUTES [30]  ROWS [100000]  HOT [10]  CLIENTS [8]  SAMPLE_SECONDS [30]
#   SYNC [off] (synchronous_commit; off gives more updates per second, so more garbage)
#   FLAT_TOLERANCE_PERCENT [10]   OUT [benches/results/memory-soak-<timestamp>]
#   DB001_BIN [$CARGO_TARGET_DIR/release/db001]   SKIP_BUILD [0]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=${MINUTES:-30}
ROWS=${ROWS:-100000}
HOT=${HOT:-10}
CLIENTS=${CLIENTS:-8}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-30}
SYNC=${SYNC:-off}
FLAT_TOLERANCE_PERCENT=${FLAT_TOLERANCE_PERCENT:-10}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DB001_BIN=${DB001_BIN:-$TARGET/release/db001}
OUT=${OUT:-$ROOT/benches/results/memory-soak-$(date +%Y%m%d-%H%M%S)}
PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
PGBENCH="$PG_BIN/pgbench"
PSQL="$PG_BIN/psql"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    (cd "$ROOT" && cargo build --release -p db001-server)
fi
mkdir -p "$OUT"
DATA=$(mktemp -d /tmp/db001-soak.XXXXXX)
SERVER_PID=""
BENCH_PID=""
cleanup() {
    [[ -n "$BENCH_PID" ]] && kill "$BENCH_PID" 2>/dev/null || true
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT

"$DB001_BIN" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$DATA/data" \
    --synchronous-commit "$SYNC" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    grep -q "HTTP on" "$OUT/server.log" 2>/dev/null && break
    sleep 0.1
done
PG_ADDR=$(sed -n 's/.*listening for PostgreSQL connections on //p' "$OUT/server.log")
HTTP_ADDR=$(sed -n 's/.*HTTP on //p' "$OUT/server.log")
if [[ -z "$PG_ADDR" || -z "$HTTP_ADDR" ]]; then
    echo "db001 did not start:" >&2
    cat "$OUT/server.log" >&2
    exit 1
fi
PORT=${PG_ADDR##*:}
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres PGPASSWORD=postgres

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status"; }
metric() { curl -s "http://$HTTP_ADDR/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

"$PSQL" -qX -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE soak (id int PRIMARY KEY, counter bigint NOT NULL, pad text NOT NULL);
INSERT INTO soak SELECT g, 0, repeat('x', 100) FROM generate_series(1, $ROWS) AS g;
VACUUM;
SQL
sleep 5

cat >"$OUT/workload.sql" <<SQL
\set id random(1, $ROWS)
\set hot random(1, $HOT)
\set other :client_id + 1 + $CLIENTS * random(0, $ROWS / $CLIENTS - 1)
BEGIN;
UPDATE soak SET counter = counter + 1, pad = md5(random()::text) || repeat('y', 68) WHERE id = :id;
UPDATE soak SET counter = counter + 1 WHERE id = :hot;
DELETE FROM soak WHERE id = :other;
INSERT INTO soak VALUES (:other, 0, repeat('z', 100));
END;
SQL

BEFORE_KB=$(rss_kb)
echo "seconds,rss_kb,hwm_kb,gc_versions_collected,gc_rows_collected,commits" >"$OUT/soak.csv"
sample() {
    echo "$1,$(rss_kb),$(hwm_kb),$(metric db001_gc_versions_collected_total),$(metric db001_gc_rows_collected_total),$(metric db001_commits_total)" >>"$OUT/soak.csv"
}
sample 0
echo "db001 pid $SERVER_PID on $PG_ADDR, RSS before the workload: $BEFORE_KB kB; writing $OUT"

DURATION_SECONDS=$((MINUTES * 60))
"$PGBENCH" -n -c "$CLIENTS" -j 2 -T "$DURATION_SECONDS" -M prepared --failures-detailed -f "$OUT/workload.sql" \
    >"$OUT/pgbench.log" 2>&1 &
BENCH_PID=$!
START=$(date +%s)
while kill -0 "$BENCH_PID" 2>/dev/null; do
    sleep "$SAMPLE_SECONDS"
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "db001 exited during the run" >&2; exit 1; }
    sample $(($(date +%s) - START))
done
wait "$BENCH_PID" || true
BENCH_PID=""
sleep 3
sample $(($(date +%s) - START))
AFTER_KB=$(rss_kb)

# Counters in the table must equal the workload's committed transactions x 2 updates, minus the
# counts lost to delete/re-insert: only a sanity check that the table is intact here.
ROWS_NOW=$("$PSQL" -qtAX -c "SELECT count(*) FROM soak")

echo
echo "pgbench:"
grep -E "number of (transactions|failed)|tps|latency average" "$OUT/pgbench.log" || cat "$OUT/pgbench.log"
awk -F, -v before="$BEFORE_KB" -v after="$AFTER_KB" -v tolerance="$FLAT_TOLERANCE_PERCENT" \
    -v rows_now="$ROWS_NOW" -v rows="$ROWS" '
    NR == 1 { next }
    { seconds[n] = $1; rss[n] = $2; versions[n] = $4; n++ }
    END {
        # The baseline is the first sample after warm-up (the second post-start sample).
        base = (n > 2) ? rss[2] : rss[n - 1]
        max_late = 0
        for (i = int(2 * n / 3); i < n; i++) if (rss[i] > max_late) max_late = rss[i]
        max_all = 0
        for (i = 0; i < n; i++) if (rss[i] > max_all) max_all = rss[i]
        printf "RSS before the workload: %d kB; after: %d kB; largest sample: %d kB\n", before, after, max_all
        printf "RSS at %d s (baseline): %d kB; largest in the last third: %d kB (%+.1f%%)\n", \
            seconds[2], base, max_late, 100.0 * (max_late - base) / base
        printf "versions collected: %d; rows in soak: %d (expected %d)\n", versions[n - 1], rows_now, rows
        flat = (max_late <= base * (1 + tolerance / 100.0)) && rows_now == rows
        print (flat ? "FLAT: memory stayed within " tolerance "% of the baseline" : "NOT FLAT (or table damaged)")
        exit(flat ? 0 : 1)
    }' "$OUT/soak.csv" | tee "$OUT/summary.txt"
