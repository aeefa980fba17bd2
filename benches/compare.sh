#!/usr/bin/env bash
# Side-by-side comparison of db001 and PostgreSQL 15 on this machine.
#
# One command: builds the drivers and db001 in release, starts a fresh PostgreSQL 15 and a fresh
# db001 with the same durability, runs TPC-C (W=2; T=4 and T=16) and YCSB A, B, C, F against each
# in alternation (every step on PostgreSQL, then the same step on db001), then does it all again
# with synchronous_commit off for both. Results: results/<timestamp>/ under benches/ (JSON per
# step, summary.json, summary.md, chart.svg), and the table metric | PostgreSQL | db001 | ratio
# on stdout. Where db001 cannot build, start or run a step, the table names the step or the
# statement that failed instead of a number. Both servers stay up during a pass, but the one not
# being measured is paused (SIGSTOP, then SIGCONT before its own step) so its background work —
# PostgreSQL's checkpointer and autovacuum, db001's checkpoints — cannot slow the other down.
#
# Usage: benches/compare.sh [--quick]
#   --quick                 DURATION=10s WARMUP=2s YCSB_RECORDS=10000 (a smoke test, ~5 min)
# Environment (defaults in brackets):
#   DURATION [60s]          TPC-C measurement window and YCSB run length
#   WARMUP [10s]            TPC-C warm-up
#   WAREHOUSES [2]          TPC-C scale
#   TPCC_TERMINALS ["4 16"] terminal counts, one run each ("" skips TPC-C)
#   YCSB_RECORDS [100000]   usertable size
#   YCSB_OPERATIONS [100000000] operation cap per YCSB run (DURATION usually ends it first)
#   YCSB_THREADS [8]        YCSB client connections
#   YCSB_WORKLOADS ["a b c f"] ("" skips YCSB)
#   SYNC_MODES ["on off"]   synchronous_commit settings, one full pass each
#   SHARED_BUFFERS [2GB]    PostgreSQL shared_buffers (the data is ~0.5 GB at W=2)
#   PAUSE_IDLE [1]          0 = leave the server not being measured running
#   SKIP_DB001 [0]          1 = measure PostgreSQL only
#   SKIP_BUILD [0]          1 = use already built release binaries
#   RESULTS_DIR             where to write (default benches/results/<timestamp>)
#   CARGO_TARGET_DIR        cargo's target directory (default <repo>/target)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ "${1:-}" == "--quick" ]]; then
    DURATION=${DURATION:-10s}
    WARMUP=${WARMUP:-2s}
    YCSB_RECORDS=${YCSB_RECORDS:-10000}
fi
DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-10s}
WAREHOUSES=${WAREHOUSES:-2}
TPCC_TERMINALS=${TPCC_TERMINALS-"4 16"}
YCSB_RECORDS=${YCSB_RECORDS:-100000}
YCSB_OPERATIONS=${YCSB_OPERATIONS:-100000000}
YCSB_THREADS=${YCSB_THREADS:-8}
YCSB_WORKLOADS=${YCSB_WORKLOADS-"a b c f"}
SYNC_MODES=${SYNC_MODES:-"on off"}
SHARED_BUFFERS=${SHARED_BUFFERS:-2GB}
PAUSE_IDLE=${PAUSE_IDLE:-1}
SKIP_DB001=${SKIP_DB001:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
RESULTS=${RESULTS_DIR:-$ROOT/benches/results/$(date +%Y%m%d-%H%M%S)}

TPCC="$TARGET/release/tpcc"
YCSB="$TARGET/release/ycsb"
REPORT="$TARGET/release/compare-report"
DB001_BIN="$TARGET/release/db001"
PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

seconds_of() { # "60s" / "2m" / "500ms" / "30" -> whole seconds (rounded up)
    local text=$1
    case "$text" in
        *ms) echo $(( (${text%ms} + 999) / 1000 )) ;;
        *s) echo "${text%s}" ;;
        *m) echo $(( ${text%m} * 60 )) ;;
        *h) echo $(( ${text%h} * 3600 )) ;;
        *) echo "$text" ;;
    esac
}
DURATION_S=$(seconds_of "$DURATION")
WARMUP_S=$(seconds_of "$WARMUP")

as_postgres() { # run a PostgreSQL binary as the postgres user when we are root
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $(( 20000 + RANDOM % 20000 ))
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

json_string() { # JSON-escape $1 (quotes, backslashes, control characters)
    python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1" 2>/dev/null \
        || printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

write_error() { # file context message
    mkdir -p "$(dirname "$1")"
    printf '{"error": {"context": %s, "sqlstate": null, "message": %s}}\n' \
        "$(json_string "$2")" "$(json_string "$3")" >"$1"
}

write_skip() { # file reason
    mkdir -p "$(dirname "$1")"
    printf '{"skipped": %s}\n' "$(json_string "$2")" >"$1"
}

# ---------------------------------------------------------------- build
mkdir -p "$RESULTS" || die "cannot create $RESULTS"
log "results go to $RESULTS"
if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building the drivers (release)"
    (cd "$ROOT" && cargo build --release -p tpcc -p db001-benches) >"$RESULTS/build-drivers.log" 2>&1 \
        || die "the drivers did not build; see $RESULTS/build-drivers.log"
fi
[[ -x "$TPCC" && -x "$YCSB" && -x "$REPORT" ]] || die "driver binaries missing in $TARGET/release"

DB001_UNAVAILABLE=""
if [[ "$SKIP_DB001" == 1 ]]; then
    DB001_UNAVAILABLE="not measured (SKIP_DB001=1)"
elif [[ "$SKIP_BUILD" != 1 ]]; then
    log "building db001 (release): cargo build --release -p db001-server"
    if ! (cd "$ROOT" && cargo build --release -p db001-server) >"$RESULTS/build-db001.log" 2>&1; then
        reason=$(grep -m1 -E '^error' "$RESULTS/build-db001.log" || tail -n1 "$RESULTS/build-db001.log")
        DB001_UNAVAILABLE="db001 did not build: ${reason}"
    fi
fi
if [[ -z "$DB001_UNAVAILABLE" && ! -x "$DB001_BIN" ]]; then
    DB001_UNAVAILABLE="no db001 binary at $DB001_BIN (the db001-server crate does not produce it yet)"
fi
[[ -n "$DB001_UNAVAILABLE" ]] && log "db001 will not be measured: $DB001_UNAVAILABLE"

# ---------------------------------------------------------------- servers
PG_DIR=""; PG_URL=""; DB001_DIR=""; DB001_PID=""; DB001_URL=""; DB001_DOWN=""

start_postgres() { # mode
    local mode=$1 port
    PG_PAUSED=0
    PG_DIR=$(mktemp -d /tmp/db001-compare-postgres.XXXXXX)
    [[ $(id -u) -eq 0 ]] && chown postgres: "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --locale=C --encoding=UTF8 \
        >"$PG_DIR/initdb.log" 2>&1 || die "initdb failed: $(tail -n3 "$PG_DIR/initdb.log")"
    port=$(free_port)
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF
# benches/compare.sh
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
max_connections = 100
shared_buffers = $SHARED_BUFFERS
fsync = on
synchronous_commit = $mode
full_page_writes = on
max_wal_size = 4GB
EOF
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null \
        || die "PostgreSQL did not start: $(tail -n5 "$PG_DIR/server.log")"
    PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    {
        echo "PostgreSQL ($mode): $("$PG_BIN/postgres" --version), port $port, data in $PG_DIR"
        for setting in shared_buffers max_connections fsync synchronous_commit full_page_writes \
            wal_level max_wal_size checkpoint_timeout lc_collate; do
            printf '  %s = %s\n' "$setting" \
                "$(as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -At -c "SHOW $setting" postgres)"
        done
    } | tee -a "$RESULTS/settings.txt" >&2
}

# Pausing: by process id only — PostgreSQL's postmaster (from postmaster.pid) and its children,
# and the db001 process this script started.
PG_PAUSED=0; DB001_PAUSED=0
postgres_pids() {
    local main
    main=$(head -n1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || return 0
    [[ -n "$main" ]] && echo "$main" $(pgrep -P "$main")
}

pause_server() { # server
    [[ "$PAUSE_IDLE" == 1 ]] || return 0
    if [[ "$1" == postgresql && -n "$PG_DIR" && "$PG_PAUSED" == 0 ]]; then
        kill -STOP $(postgres_pids) 2>/dev/null; PG_PAUSED=1
    elif [[ "$1" == db001 && -n "$DB001_PID" && "$DB001_PAUSED" == 0 ]]; then
        kill -STOP "$DB001_PID" 2>/dev/null; DB001_PAUSED=1
    fi
    return 0
}

resume_server() { # server
    if [[ "$1" == postgresql && "$PG_PAUSED" == 1 ]]; then
        kill -CONT $(postgres_pids) 2>/dev/null; PG_PAUSED=0
    elif [[ "$1" == db001 && "$DB001_PAUSED" == 1 ]]; then
        kill -CONT "$DB001_PID" 2>/dev/null; DB001_PAUSED=0
    fi
    return 0
}

stop_postgres() {
    [[ -n "$PG_DIR" ]] || return 0
    resume_server postgresql
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
        || as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=""
}

start_db001() { # mode
    local mode=$1 port http_port waited=0
    DB001_DOWN=""; DB001_PAUSED=0
    if [[ -n "$DB001_UNAVAILABLE" ]]; then DB001_DOWN=$DB001_UNAVAILABLE; return; fi
    DB001_DIR=$(mktemp -d /tmp/db001-compare-db001.XXXXXX)
    port=$(free_port); http_port=$(free_port)
    "$DB001_BIN" --listen "127.0.0.1:$port" --http-listen "127.0.0.1:$http_port" \
        --data-dir "$DB001_DIR/data" --synchronous-commit "$mode" >"$DB001_DIR/server.log" 2>&1 &
    DB001_PID=$!
    while ! port_open "$port"; do
        if ! kill -0 "$DB001_PID" 2>/dev/null; then
            wait "$DB001_PID"; local status=$?
            DB001_DOWN="db001 exited at start (status $status): $(tail -n1 "$DB001_DIR/server.log")"
            DB001_PID=""; log "$DB001_DOWN"; return
        fi
        if (( waited >= 300 )); then
            DB001_DOWN="db001 did not accept connections on port $port within 30 s"
            log "$DB001_DOWN"; stop_db001; DB001_DOWN="db001 did not accept connections within 30 s"; return
        fi
        sleep 0.1; waited=$((waited + 1))
    done
    DB001_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "db001 ($mode): $DB001_BIN --listen 127.0.0.1:$port --http-listen 127.0.0.1:$http_port --data-dir $DB001_DIR/data --synchronous-commit $mode" \
        | tee -a "$RESULTS/settings.txt" >&2
}

stop_db001() {
    resume_server db001
    if [[ -n "$DB001_PID" ]]; then
        kill -TERM "$DB001_PID" 2>/dev/null
        for _ in $(seq 1 300); do kill -0 "$DB001_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DB001_PID" 2>/dev/null
        wait "$DB001_PID" 2>/dev/null
        DB001_PID=""
    fi
    if [[ -n "$DB001_DIR" ]]; then
        cp "$DB001_DIR/server.log" "$RESULTS/db001-${CURRENT_MODE:-none}.log" 2>/dev/null
        rm -rf "$DB001_DIR"; DB001_DIR=""
    fi
}

cleanup() { stop_db001; stop_postgres; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- steps
declare -A FAILED_STEP   # "<server>:<step>" -> 1 when a step failed

# run_step server step depends_on limit_seconds command...
run_step() {
    local server=$1 step=$2 depends=$3 limit=$4; shift 4
    local out="$RESULTS/sync_$CURRENT_MODE/$server/$step.json"
    local log_file="$RESULTS/sync_$CURRENT_MODE/$server/$step.log"
    mkdir -p "$(dirname "$out")"
    if [[ "$server" == db001 ]]; then
        if [[ -z "$DB001_DOWN" && -n "$DB001_PID" ]] && ! kill -0 "$DB001_PID" 2>/dev/null; then
            wait "$DB001_PID"; local status=$?
            DB001_DOWN="db001 exited during the run (status $status): $(tail -n1 "$DB001_DIR/server.log")"
            DB001_PID=""
        fi
        if [[ -n "$DB001_DOWN" ]]; then write_error "$out" "db001 server" "$DB001_DOWN"; return; fi
    fi
    if [[ -n "$depends" && -n "${FAILED_STEP[$server:$depends]:-}" ]]; then
        write_skip "$out" "$depends failed"; FAILED_STEP[$server:$step]=1; return
    fi
    log "$server: $step"
    timeout --kill-after=10 "$limit" "$@" --json "$out" >"$log_file" 2>&1
    local status=$?
    if [[ ! -s "$out" ]]; then
        if (( status == 124 || status == 137 )); then
            write_error "$out" "$step" "no result after $limit s (timed out)"
        else
            write_error "$out" "$step" "exit status $status: $(grep -v '^\[' "$log_file" | tail -n1)"
        fi
    fi
    (( status == 0 )) || FAILED_STEP[$server:$step]=1
    grep -E '^(tpmC|YCSB|loaded|all consistency|condition)' "$log_file" | sed "s/^/    $server: /" >&2
}

each_server() { # step depends limit command-with-URL-placeholder...
    local step=$1 depends=$2 limit=$3; shift 3
    local server url
    for server in postgresql db001; do
        url=$PG_URL; [[ "$server" == db001 ]] && url=$DB001_URL
        if [[ "$server" == db001 ]]; then pause_server postgresql; else pause_server db001; fi
        resume_server "$server"
        local command=()
        local word
        for word in "$@"; do command+=("${word//@URL@/$url}"); done
        run_step "$server" "$step" "$depends" "$limit" "${command[@]}"
    done
}

for CURRENT_MODE in $SYNC_MODES; do
    log "=== synchronous_commit = $CURRENT_MODE ==="
    FAILED_STEP=()
    start_postgres "$CURRENT_MODE"
    start_db001 "$CURRENT_MODE"
    if [[ -n "${TPCC_TERMINALS// /}" ]]; then
        each_server tpcc_load "" 1800 \
            "$TPCC" load --url @URL@ --warehouses "$WAREHOUSES" --threads 4 --no-progress
    fi
    for terminals in $TPCC_TERMINALS; do
        each_server "tpcc_run_t$terminals" tpcc_load $((DURATION_S + WARMUP_S + 120)) \
            "$TPCC" run --url @URL@ --warehouses "$WAREHOUSES" --terminals "$terminals" \
            --duration "$DURATION" --warmup "$WARMUP" --progress-interval 0
    done
    if [[ -n "${TPCC_TERMINALS// /}" ]]; then
        each_server tpcc_check tpcc_load 600 "$TPCC" check --url @URL@
    fi
    if [[ -n "${YCSB_WORKLOADS// /}" ]]; then
        each_server ycsb_load "" 1800 \
            "$YCSB" load --url @URL@ --records "$YCSB_RECORDS" --threads 4 --progress-interval 0
    fi
    for workload in $YCSB_WORKLOADS; do
        each_server "ycsb_run_$workload" ycsb_load $((DURATION_S + 120)) \
            "$YCSB" run --url @URL@ --workload "$workload" --records "$YCSB_RECORDS" \
            --operations "$YCSB_OPERATIONS" --threads "$YCSB_THREADS" --duration "$DURATION" \
            --progress-interval 0
    done
    stop_db001
    stop_postgres
done

{
    echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr)"
    echo "durations: DURATION=$DURATION WARMUP=$WARMUP WAREHOUSES=$WAREHOUSES TPCC_TERMINALS=\"$TPCC_TERMINALS\""
    echo "YCSB: records=$YCSB_RECORDS threads=$YCSB_THREADS workloads=\"$YCSB_WORKLOADS\" operations<=$YCSB_OPERATIONS"
    echo "commit: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)"
} >>"$RESULTS/settings.txt"
"$REPORT" "$RESULTS"
