#!/usr/bin/env bash
# Checkpoint duration, idle and under load, and its effect on concurrent throughput.
#
#   benches/durability/checkpoint-impact.sh                   # 1 GB of data, 30 s pgbench runs
#   DATA_MB=256 SECONDS_RUN=20 CLIENTS=8 benches/durability/checkpoint-impact.sh
#
# 1. A release db001 (timed and volume checkpoints off), a `big` table of DATA_MB (1000-byte
#    rows) and pgbench's tables (scale 1, plain SQL as benches/pgbench-tpcb.sh).
# 2. CHECKPOINT with nothing else running: wall time and db001_checkpoint_last_duration_seconds
#    and _bytes.
# 3. pgbench tpcb-like, CLIENTS clients, SECONDS_RUN seconds, no checkpoint: baseline TPS.
# 4. The same run with a psql loop issuing CHECKPOINT back to back for the whole run (every
#    checkpoint copies all of `big`, the worst case): TPS, the checkpoints completed and their
#    average duration (from db001_checkpoints_total and the wall time).
# Output: $OUT/checkpoint-impact.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DATA_MB=${DATA_MB:-1024}
SECONDS_RUN=${SECONDS_RUN:-30}
CLIENTS=${CLIENTS:-4}
ROW_BYTES=1000
BATCH=20000
REPORT="$OUT/checkpoint-impact.txt"
build
machine_note | tee -a "$REPORT"

start_db001 checkpoint --checkpoint-interval 0 --max-wal-size 0 --wal-segment-size 64MB
sql "CREATE TABLE big (id bigint PRIMARY KEY, pad text NOT NULL)"
rows=$((DATA_MB * 1024 * 1024 / (ROW_BYTES + 40)))
for ((first = 1; first <= rows; first += BATCH)); do
    last=$((first + BATCH - 1 < rows ? first + BATCH - 1 : rows))
    sql "INSERT INTO big SELECT g, repeat('a', $ROW_BYTES) FROM generate_series($first, $last) g"
done
pgbench_load 1

started=$(date +%s.%N)
sql "CHECKPOINT"
echo "idle CHECKPOINT: $(echo "$(date +%s.%N) - $started" | bc) s wall;" \
    "db001_checkpoint_last_duration_seconds $(metric db001_checkpoint_last_duration_seconds);" \
    "file $(($(metric db001_checkpoint_last_bytes) / 1048576)) MB" | tee -a "$REPORT"

tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -1; }

"$PGBENCH" -n -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" -M prepared >"$OUT/pgbench-baseline.log" 2>&1 \
    || { tail "$OUT/pgbench-baseline.log"; exit 1; }
baseline=$(tps "$OUT/pgbench-baseline.log")
echo "pgbench tpcb-like, $CLIENTS clients, ${SECONDS_RUN}s, no checkpoints: $baseline TPS" | tee -a "$REPORT"

before=$(metric 'db001_checkpoints_total{reason="requested"}')
before=${before:-0}
(
    end=$(($(date +%s) + SECONDS_RUN))
    while (($(date +%s) < end)); do
        "$PSQL" -qtAX -c CHECKPOINT >/dev/null 2>&1 || break
    done
) &
loop=$!
"$PGBENCH" -n -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" -M prepared >"$OUT/pgbench-checkpoints.log" 2>&1 \
    || { tail "$OUT/pgbench-checkpoints.log"; exit 1; }
wait "$loop"
loaded=$(tps "$OUT/pgbench-checkpoints.log")
after=$(metric 'db001_checkpoints_total{reason="requested"}')
taken=$((after - before))
echo "the same with CHECKPOINT back to back: $loaded TPS," \
    "$(python3 -c "print(f'{($loaded / $baseline - 1) * 100:+.1f}')")% vs baseline;" \
    "$taken checkpoints, about $(python3 -c "print(f'{$SECONDS_RUN / max($taken, 1):.1f}')") s each;" \
    "last one $(metric db001_checkpoint_last_duration_seconds) s," \
    "$(($(metric db001_checkpoint_last_bytes) / 1048576)) MB" | tee -a "$REPORT"
stop_db001
echo "report: $REPORT"
