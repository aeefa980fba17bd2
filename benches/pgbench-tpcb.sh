#!/usr/bin/env bash
# pgbench's builtin tpcb-like script against db001 and PostgreSQL 15, with identical flags.
#
# `pgbench -i` needs TRUNCATE or COPY, which db001 does not have yet, so the tables are created
# and filled with plain SQL exactly as `pgbench -i -I dtGvp` (server-side generation) would —
# same columns, same row counts, primary keys — and then both servers run
#
#   pgbench -n -c CLIENTS -j JOBS -T SECONDS -M prepared        (the builtin tpcb-like script)
#
# at READ COMMITTED with synchronous_commit on. After each run the script checks what the
# workload guarantees: no failed transactions, and every transaction's delta landed exactly once
# — sum(abalance) = sum(tbalance) = sum(bbalance) = sum(delta of pgbench_history), and one
# history row per committed transaction. Exit status 1 when db001 breaks either.
#
# Usage: benches/pgbench-tpcb.sh              # both servers, 16 clients, 30 s, scale 1
#        TARGETS=db001 SECONDS_RUN=10 benches/pgbench-tpcb.sh
# Environment (defaults in brackets):
#   TARGETS ["postgres db001"]  CLIENTS [16]  JOBS [2]  SECONDS_RUN [30]  SCALE [1]
#   SYNC [on]  OUT [benches/results/pgbench-<timestamp>]
#   DB001_BIN [$CARGO_TARGET_DIR/release/db001]  SKIP_BUILD [0]
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGETS=${TARGETS:-"postgres db001"}
CLIENTS=${CLIENTS:-16}
JOBS=${JOBS:-2}
SECONDS_RUN=${SECONDS_RUN:-30}
SCALE=${SCALE:-1}
SYNC=${SYNC:-on}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DB001_BIN=${DB001_BIN:-$TARGET/release/db001}
OUT=${OUT:-$ROOT/benches/results/pgbench-$(date +%Y%m%d-%H%M%S)}
PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
PGBENCH="$PG_BIN/pgbench"
PSQL="$PG_BIN/psql"

mkdir -p "$OUT"
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PG_DIR=""
DB001_PID=""
DB001_DIR=""
cleanup() {
    if [[ -n "$PG_DIR" ]]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
        rm -rf "$PG_DIR"
    fi
    if [[ -n "$DB001_PID" ]]; then
        kill "$DB001_PID" 2>/dev/null
        wait "$DB001_PID" 2>/dev/null
    fi
    [[ -n "$DB001_DIR" ]] && rm -rf "$DB001_DIR"
}
trap cleanup EXIT

start_postgres() {
    PG_DIR=$(mktemp -d /tmp/db001-pgbench-postgres.XXXXXX)
    [[ $(id -u) -eq 0 ]] && chown postgres: "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --locale=C \
        --encoding=UTF8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; exit 1; }
    local port
    port=$(free_port)
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
shared_buffers = 1GB
fsync = on
synchronous_commit = $SYNC
EOF
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
        >/dev/null || { tail "$PG_DIR/server.log"; exit 1; }
    export PGPORT=$port
}

start_db001() {
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
        (cd "$ROOT" && cargo build --release -p db001-server) || exit 1
    fi
    DB001_DIR=$(mktemp -d /tmp/db001-pgbench.XXXXXX)
    "$DB001_BIN" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$DB001_DIR/data" \
        --synchronous-commit "$SYNC" >"$OUT/db001-server.log" 2>&1 &
    DB001_PID=$!
    for _ in $(seq 1 100); do
        grep -q "HTTP on" "$OUT/db001-server.log" 2>/dev/null && break
        sleep 0.1
    done
    local address
    address=$(sed -n 's/.*listening for PostgreSQL connections on //p' "$OUT/db001-server.log")
    [[ -n "$address" ]] || { cat "$OUT/db001-server.log"; exit 1; }
    export PGPORT=${address##*:}
}

stop_current() {
    cleanup
    PG_DIR=""
    DB001_PID=""
    DB001_DIR=""
}

load() { # what pgbench -i -I dtGvp -s SCALE creates, in plain SQL
    "$PSQL" -qX -v ON_ERROR_STOP=1 <<SQL
DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers;
CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84));
CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84));
CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88));
INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, $SCALE) AS bid;
INSERT INTO pgbench_tellers (tid, bid, tbalance)
    SELECT tid, (tid - 1) / 10 + 1, 0 FROM generate_series(1, 10 * $SCALE) AS tid;
INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
    SELECT aid, (aid - 1) / 100000 + 1, 0, '' FROM generate_series(1, 100000 * $SCALE) AS aid;
VACUUM;
SQL
}

check() { # name: prints the balances and whether they agree
    local sums
    sums=$("$PSQL" -qtAX -F ' ' -c "SELECT (SELECT sum(abalance) FROM pgbench_accounts),
        (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT sum(bbalance) FROM pgbench_branches),
        (SELECT sum(delta) FROM pgbench_history), (SELECT count(*) FROM pgbench_history)")
    read -r accounts tellers branches deltas history <<<"$sums"
    local processed failed
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$OUT/$1.log")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$OUT/$1.log")
    failed=${failed:-0}
    echo "$1: sum(abalance)=$accounts sum(tbalance)=$tellers sum(bbalance)=$branches" \
        "sum(delta)=$deltas history rows=$history processed=$processed failed=$failed"
    if [[ -z "$processed" || "$failed" != 0 || "$accounts" != "$deltas" || "$tellers" != "$deltas" \
        || "$branches" != "$deltas" || "$history" != "$processed" ]]; then
        echo "$1: FAILED the checks"
        return 1
    fi
    echo "$1: ok"
}

status=0
for target in $TARGETS; do
    case $target in
        postgres) start_postgres ;;
        db001) start_db001 ;;
        *) echo "unknown target $target" >&2; exit 2 ;;
    esac
    export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres PGPASSWORD=postgres
    load
    "$PGBENCH" -n -c "$CLIENTS" -j "$JOBS" -T "$SECONDS_RUN" -M prepared >"$OUT/$target.log" 2>&1
    echo "== $target: pgbench -n -c $CLIENTS -j $JOBS -T $SECONDS_RUN -M prepared (tpcb-like, scale $SCALE)" \
        | tee -a "$OUT/summary.txt"
    grep -E "^(number of|latency average|tps)" "$OUT/$target.log" | tee -a "$OUT/summary.txt"
    check "$target" | tee -a "$OUT/summary.txt"
    [[ ${PIPESTATUS[0]} -eq 0 ]] || { [[ $target == db001 ]] && status=1; }
    stop_current
done
exit $status
