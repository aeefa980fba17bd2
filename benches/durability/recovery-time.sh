#!/usr/bin/env bash
# Recovery time for about 1 GB of data in the newest checkpoint plus about 1 GB of WAL after it.
#
#   benches/durability/recovery-time.sh                 # 1 GB + 1 GB
#   DATA_MB=256 WAL_MB=256 benches/durability/recovery-time.sh
#
# 1. A release db001 with timed and volume checkpoints off and 64 MB segments.
# 2. `big (id bigint PRIMARY KEY, pad text)` filled with DATA_MB of 1000-byte rows (INSERT ...
#    SELECT from generate_series in 20,000-row statements), then CHECKPOINT (its size and
#    duration are printed too).
# 3. WAL_MB of WAL after it: UPDATEs rewriting every row's pad, UPDATE_ROWS rows per statement
#    (default 20,000; 10 gives about 100,000 small transactions), until
#    db001_wal_bytes_since_checkpoint reaches WAL_MB.
# 4. kill -9, restart, and time it: the seconds from exec to the "listening" line, and the
#    engine's own split from its "recovery complete" log line (checkpoint load, WAL replay).
# Output: $OUT/recovery-time.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DATA_MB=${DATA_MB:-1024}
WAL_MB=${WAL_MB:-1024}
ROW_BYTES=1000
BATCH=20000
# Rows per UPDATE transaction in the WAL phase: 20000 gives few big transactions, 10 many small
# ones (replay cost per transaction shows).
UPDATE_ROWS=${UPDATE_ROWS:-20000}
REPORT="$OUT/recovery-time.txt"
build
machine_note | tee -a "$REPORT"

flags=(--checkpoint-interval 0 --max-wal-size 0 --wal-segment-size 64MB)
start_db001 recovery "${flags[@]}"
sql "CREATE TABLE big (id bigint PRIMARY KEY, pad text NOT NULL)"
rows=$((DATA_MB * 1024 * 1024 / (ROW_BYTES + 40)))
started=$(date +%s.%N)
for ((first = 1; first <= rows; first += BATCH)); do
    last=$((first + BATCH - 1 < rows ? first + BATCH - 1 : rows))
    sql "INSERT INTO big SELECT g, repeat('a', $ROW_BYTES) FROM generate_series($first, $last) g"
done
echo "loaded $rows rows of $ROW_BYTES bytes in $(echo "$(date +%s.%N) - $started" | bc) s" | tee -a "$REPORT"
started=$(date +%s.%N)
sql "CHECKPOINT"
echo "CHECKPOINT of the loaded data: $(echo "$(date +%s.%N) - $started" | bc) s;" \
    "file $(($(metric db001_checkpoint_last_bytes) / 1048576)) MB," \
    "db001_checkpoint_last_duration_seconds $(metric db001_checkpoint_last_duration_seconds)" \
    | tee -a "$REPORT"

letter=b
first=1
started=$(date +%s.%N)
# Statements go to one psql in rounds of about 64 MB of WAL, until WAL_MB is reached.
per_round=$(((64 * 1024 * 1024) / (UPDATE_ROWS * (ROW_BYTES + 80)) + 1))
while (($(metric db001_wal_bytes_since_checkpoint) < WAL_MB * 1024 * 1024)); do
    for ((statement = 0; statement < per_round; statement++)); do
        last=$((first + UPDATE_ROWS - 1))
        echo "UPDATE big SET pad = repeat('$letter', $ROW_BYTES) WHERE id BETWEEN $first AND $last;"
        first=$((last + 1))
        if ((first > rows)); then
            first=1
            letter=$([[ $letter == b ]] && echo c || echo b)
        fi
    done | "$PSQL" -qtAX -v ON_ERROR_STOP=1 >/dev/null || exit 1
done
wal=$(metric db001_wal_bytes_since_checkpoint)
echo "wrote $((wal / 1048576)) MB of WAL ($UPDATE_ROWS-row UPDATE transactions) after the checkpoint in $(echo "$(date +%s.%N) - $started" | bc) s" \
    | tee -a "$REPORT"
expected=$(sql "SELECT count(*), sum(length(pad)) FROM big")
du -sh "$WORK/recovery/data/checkpoints" "$WORK/recovery/data/wal" | sed 's/^/on disk: /' | tee -a "$REPORT"

kill9_db001
# Drop the page cache's copy? Not possible without root on a shared machine; the files were
# just written, so they are likely cached: this measures CPU-bound recovery.
restart_db001 recovery "${flags[@]}"
echo "kill -9 then restart: listening after $RESTART_SECONDS s" | tee -a "$REPORT"
grep "recovery complete\|checkpoint loaded" "$OUT/recovery.log" | tail -2 | sed 's/^/log: /' | tee -a "$REPORT"
after=$(sql "SELECT count(*), sum(length(pad)) FROM big")
if [[ "$after" != "$expected" ]]; then
    echo "MISMATCH after recovery: $after, expected $expected" | tee -a "$REPORT"
    exit 1
fi
echo "recovered state matches ($after)" | tee -a "$REPORT"
stop_db001
echo "report: $REPORT"
