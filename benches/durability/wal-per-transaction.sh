#!/usr/bin/env bash
# WAL bytes written per transaction, for TPC-C and for pgbench's tpcb-like script.
#
#   benches/durability/wal-per-transaction.sh
#   SECONDS_RUN=60 WAREHOUSES=2 TERMINALS=8 PGBENCH_CLIENTS=8 benches/durability/wal-per-transaction.sh
#
# For each workload: a fresh release db001 (timed and volume checkpoints off, so only the
# workload appends), load, then read `db001_durable_lsn` and `db001_commits_total` from
# /metrics, run, read them again. WAL bytes per transaction = LSN advance / commits in the run
# (an LSN is a byte position in the log: segment headers and 8-byte record padding included,
# i.e. bytes written to WAL files). TPC-C is the full mix (New-Order, Payment, Order-Status,
# Delivery, Stock-Level; read-only ones commit too and write nothing), so the script also
# prints bytes per New-Order (tpmC-based). Output: $OUT/wal-per-transaction.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SECONDS_RUN=${SECONDS_RUN:-30}
WAREHOUSES=${WAREHOUSES:-1}
TERMINALS=${TERMINALS:-4}
PGBENCH_CLIENTS=${PGBENCH_CLIENTS:-4}
REPORT="$OUT/wal-per-transaction.txt"
build

measure() { # key, label, command...: runs the command between two samples
    local key=$1 label=$2
    shift 2
    local lsn0 commits0 lsn1 commits1
    lsn0=$(metric db001_durable_lsn)
    commits0=$(metric db001_commits_total)
    "$@" >"$OUT/$key-run.log" 2>&1 || { tail -20 "$OUT/$key-run.log"; exit 1; }
    sleep 0.5
    lsn1=$(metric db001_durable_lsn)
    commits1=$(metric db001_commits_total)
    LAST_BYTES=$((lsn1 - lsn0))
    LAST_COMMITS=$((commits1 - commits0))
    echo "$label: $LAST_BYTES WAL bytes over $LAST_COMMITS commits =" \
        "$((LAST_BYTES / LAST_COMMITS)) bytes per transaction" | tee -a "$REPORT"
}

machine_note | tee -a "$REPORT"

# TPC-C
start_db001 tpcc --checkpoint-interval 0 --max-wal-size 0
url="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
"$TPCC_BIN" load --url "$url" --warehouses "$WAREHOUSES" >"$OUT/tpcc-load.log" 2>&1 \
    || { tail "$OUT/tpcc-load.log"; exit 1; }
measure tpcc "tpcc (W=$WAREHOUSES, $TERMINALS terminals, ${SECONDS_RUN}s, all five types)" \
    "$TPCC_BIN" run --url "$url" --warehouses "$WAREHOUSES" --terminals "$TERMINALS" \
    --duration "${SECONDS_RUN}s" --warmup 0s --json "$OUT/tpcc-run.json"
new_orders=$(python3 -c "import json; print(json.load(open('$OUT/tpcc-run.json'))['transactions'][0]['committed'])")
if [[ "$new_orders" -gt 0 ]]; then
    echo "tpcc: $new_orders New-Orders: $((LAST_BYTES / new_orders)) WAL bytes per New-Order" \
        "(all five transaction types' WAL divided by the New-Orders)" | tee -a "$REPORT"
fi
grep -E "tpmC|TPS|tps" "$OUT/tpcc-run.log" | head -5 | sed 's/^/tpcc: /' | tee -a "$REPORT"
stop_db001

# pgbench tpcb-like
start_db001 pgbench --checkpoint-interval 0 --max-wal-size 0
pgbench_load 1
measure pgbench "pgbench tpcb-like (scale 1, $PGBENCH_CLIENTS clients, ${SECONDS_RUN}s)" \
    "$PGBENCH" -n -c "$PGBENCH_CLIENTS" -j 2 -T "$SECONDS_RUN" -M prepared
grep -E "^tps" "$OUT/pgbench-run.log" | head -2 | sed 's/^/pgbench: /' | tee -a "$REPORT"
stop_db001
echo "report: $REPORT"
