#!/usr/bin/env bash
# pgbench against db001 and PostgreSQL 15 on this machine, with identical flags.
#
# For each synchronous_commit mode: a fresh PostgreSQL 15 and a fresh release db001 (same
# durability setting), then on each server in turn: `pgbench -i -s SCALE` (client-side COPY
# load), `pgbench -i -I dtGvp -s SCALE` (server-side generate_series), then `pgbench -c CLIENTS
# -j THREADS -T DURATION` with the built-in tpcb-like and select-only scripts in -M simple and
# -M prepared. After every run: no failed transactions, and after the tpcb-like runs
# sum(abalance) of pgbench_accounts equals sum(delta) of pgbench_history. Where a server cannot
# run `pgbench -i` (db001 before TRUNCATE / ALTER TABLE ADD PRIMARY KEY), the same tables and rows
# are made by tests/clients/pgbench/init.sql and the table says so; the runs then use -n (no
# vacuum/truncate before the run) on both servers so the flags stay identical.
#
# Usage: benches/pgbench.sh
# Environment [defaults]: SCALE [10] DURATION [30] CLIENTS [8] THREADS [2]
#   SYNC_MODES ["on off"]  SKIP_BUILD [0]  CARGO_TARGET_DIR [<repo>/target]
# Prints a markdown table: mode | script | protocol | PostgreSQL tps | db001 tps.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCALE=${SCALE:-10}
DURATION=${DURATION:-30}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
SYNC_MODES=${SYNC_MODES:-"on off"}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
WORK=$(mktemp -d /tmp/db001-pgbench.XXXXXX)
PG_PORT=${PG_PORT:-55432}
DB_PORT=${DB_PORT:-55433}
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    if [[ -d "$WORK/pg" ]]; then
        runuser -u postgres -- "$BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 ||
            "$BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release -p db001-server --bin db001 --manifest-path "$ROOT/Cargo.toml" >&2 || exit 1
fi
DB001="$TARGET/release/db001"

wait_ready() { # port
    for _ in $(seq 1 100); do
        "$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2
    return 1
}

start_postgres() { # sync mode
    chmod 777 "$WORK"
    rm -rf "$WORK/pg"
    as_pg "$BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
    as_pg "$BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c synchronous_commit=$1 -c shared_buffers=1GB -c max_connections=50" start >/dev/null || return 1
    wait_ready "$PG_PORT"
}

stop_postgres() { as_pg "$BIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1; rm -rf "$WORK/pg"; }

start_db001() { # sync mode
    rm -rf "$WORK/db001"
    mkdir -p "$WORK/db001"
    "$DB001" --listen "127.0.0.1:$DB_PORT" --http-listen 127.0.0.1:0 --data-dir "$WORK/db001" \
        --config /dev/null --synchronous-commit "$1" >"$WORK/db001.log" 2>&1 &
    DB_PID=$!
    PIDS+=("$DB_PID")
    wait_ready "$DB_PORT"
}

stop_db001() { kill "$DB_PID" 2>/dev/null; wait "$DB_PID" 2>/dev/null; rm -rf "$WORK/db001"; }

psql_at() { "$BIN/psql" -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 "${@:2}"; }

# Loads the tables on the server at port $1; prints how ("pgbench -i" or "init.sql").
initialise() {
    local port=$1 how="pgbench -i"
    if ! "$BIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$SCALE" postgres >"$WORK/init.log" 2>&1 ||
        ! "$BIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -I dtGvp -s "$SCALE" postgres >>"$WORK/init.log" 2>&1; then
        how="init.sql ($(grep -m1 -o 'ERROR: .*' "$WORK/init.log" | cut -c1-60))"
        psql_at "$port" -v scale="$SCALE" -f "$ROOT/tests/clients/pgbench/init.sql" >/dev/null || return 1
    fi
    echo "$how"
}

# One run; prints "tps failed".
run() { # port script protocol
    local out
    out=$("$BIN/pgbench" -h 127.0.0.1 -p "$1" -U postgres -n -b "$2" -M "$3" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" postgres 2>&1)
    local tps failed
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')
    failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
    [[ -n "$tps" ]] || { echo "$out" | tail -3 >&2; tps=error; }
    echo "$tps ${failed:-?}"
}

check_sums() { # port
    local sums
    sums=$(psql_at "$1" -At -c "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)")
    [[ "$sums" == t ]] && echo ok || echo MISMATCH
}

echo "pgbench -c $CLIENTS -j $THREADS -T $DURATION, scale $SCALE, $(nproc) cores"
echo
echo "| synchronous_commit | script | -M | PostgreSQL tps | db001 tps | failed (pg/db001) | sums (pg/db001) |"
echo "|---|---|---|---|---|---|---|"
status=0
for mode in $SYNC_MODES; do
    start_postgres "$mode" || { echo "PostgreSQL did not start" >&2; exit 1; }
    start_db001 "$mode" || { echo "db001 did not start" >&2; exit 1; }
    pg_init=$(initialise "$PG_PORT")
    db_init=$(initialise "$DB_PORT")
    for script in tpcb-like select-only; do
        for protocol in simple prepared; do
            read -r pg_tps pg_failed < <(run "$PG_PORT" "$script" "$protocol")
            read -r db_tps db_failed < <(run "$DB_PORT" "$script" "$protocol")
            pg_sums=$(check_sums "$PG_PORT")
            db_sums=$(check_sums "$DB_PORT")
            echo "| $mode | $script | $protocol | $pg_tps | $db_tps | $pg_failed/$db_failed | $pg_sums/$db_sums |"
            [[ "$db_failed" == 0 && "$db_sums" == ok && "$db_tps" != error ]] || status=1
        done
    done
    echo
    echo "init ($mode): PostgreSQL: $pg_init; db001: $db_init"
    stop_db001
    stop_postgres
done
exit $status
