# Shared helpers for the durability measurements (sourced, not run).
#
# start_db001 NAME [flags...]  starts a release db001 on free ports in $WORK/NAME (data dir
#                              $WORK/NAME/data), log in $OUT/NAME.log; sets DB001_PID,
#                              PGPORT, HTTP_ADDRESS
# restart_db001 NAME [flags...] the same on an existing data directory, returns the seconds
#                              from exec to "listening" in RESTART_SECONDS
# kill9_db001                  SIGKILL and wait
# stop_db001                   SIGTERM and wait
# metric NAME                  one value from /metrics (labels included in NAME)
# sql SQL                      psql -qtAX against the running server
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DB001_BIN=${DB001_BIN:-$TARGET/release/db001}
TPCC_BIN=${TPCC_BIN:-$TARGET/release/tpcc}
PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
PSQL="$PG_BIN/psql"
PGBENCH="$PG_BIN/pgbench"
OUT=${OUT:-$ROOT/benches/results/durability-$(date +%Y%m%d-%H%M%S)}
WORK=${WORK:-$(mktemp -d /tmp/db001-durability.XXXXXX)}
mkdir -p "$OUT"
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres

DB001_PID=""
cleanup() {
    if [[ -n "$DB001_PID" ]]; then
        kill -9 "$DB001_PID" 2>/dev/null
        wait "$DB001_PID" 2>/dev/null
    fi
    [[ "${KEEP_WORK:-0}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

build() {
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
        (cd "$ROOT" && cargo build --release --quiet -p db001-server --bin db001 \
            && cargo build --release --quiet -p tpcc --bin tpcc) || exit 1
    fi
}

# Starts db001 on $WORK/$1/data with the remaining flags; waits (bounded) for its addresses.
launch_db001() {
    local name=$1
    shift
    mkdir -p "$WORK/$name"
    local log="$OUT/$name.log"
    echo "---- start $(date +%T) ----" >>"$log"
    local before
    before=$(wc -l <"$log")
    local started
    started=$(date +%s.%N)
    "$DB001_BIN" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$WORK/$name/data" \
        --config /dev/null "$@" >>"$log" 2>&1 &
    DB001_PID=$!
    local address=""
    for _ in $(seq 1 6000); do
        address=$(tail -n +"$before" "$log" | sed -n 's/.*listening for PostgreSQL connections on //p' | tail -1)
        [[ -n "$address" ]] && tail -n +"$before" "$log" | grep -q "HTTP on" && break
        kill -0 "$DB001_PID" 2>/dev/null || { tail -20 "$log"; echo "db001 exited" >&2; exit 1; }
        sleep 0.01
    done
    [[ -n "$address" ]] || { tail -20 "$log"; echo "db001 did not start" >&2; exit 1; }
    RESTART_SECONDS=$(echo "$(date +%s.%N) - $started" | bc)
    export PGPORT=${address##*:}
    HTTP_ADDRESS=$(tail -n +"$before" "$log" | sed -n 's/.*HTTP on //p' | tail -1)
}
start_db001() { launch_db001 "$@"; }
restart_db001() { launch_db001 "$@"; }

kill9_db001() {
    kill -9 "$DB001_PID" 2>/dev/null
    wait "$DB001_PID" 2>/dev/null
    DB001_PID=""
}

stop_db001() {
    kill "$DB001_PID" 2>/dev/null
    wait "$DB001_PID" 2>/dev/null
    DB001_PID=""
}

metric() {
    curl -s "http://$HTTP_ADDRESS/metrics" | awk -v name="$1" '$1 == name { print $2 }'
}

sql() {
    "$PSQL" -qtAX -v ON_ERROR_STOP=1 -c "$1"
}

# The pgbench tables as `pgbench -i -I dtGvp -s SCALE` creates them, in plain SQL (db001 has no
# COPY/TRUNCATE for pgbench -i yet; benches/pgbench-tpcb.sh does the same).
pgbench_load() {
    local scale=$1
    "$PSQL" -qX -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84));
CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84));
CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88));
INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, $scale) AS bid;
INSERT INTO pgbench_tellers (tid, bid, tbalance)
    SELECT tid, (tid - 1) / 10 + 1, 0 FROM generate_series(1, 10 * $scale) AS tid;
INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
    SELECT aid, (aid - 1) / 100000 + 1, 0, '' FROM generate_series(1, 100000 * $scale) AS aid;
SQL
}

machine_note() {
    echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at $(date +%T)" \
        "(shared with other jobs: numbers are indicative, not a clean benchmark)"
}
