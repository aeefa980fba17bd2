#!/usr/bin/env bash
# The long crash torture: `tests/crash-torture-long.sh [CYCLES] [crash_loop options...]`.
#
# Builds the db001 server and the crash_loop driver in release mode and runs CYCLES cycles
# (default 500) of the workload of tests/tests/crash.rs — bank transfers and ledger inserts
# over the wire, CHECKPOINTs back to back, 60 kB filler updates switching WAL segments — with
# `kill -9` at a random moment in odd cycles and at the next injected crash point of the
# binary (DB001_CRASH_AT, see crates/wal/src/crash_point.rs) in even cycles; every cycle
# restarts the server and verifies every acknowledged commit, all-or-nothing transactions,
# conserved balances and index agreement. It stops at the first violation (exit 1) and
# prints the seed; rerun that seed with `--seed N`. Extra options go to crash_loop
# (`--crash-points each|mixed|off`, `--synchronous-commit off`, `--workers N`,
# `--duration 1h`, ...; `--help` lists them). CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-500}"
if [[ $# -gt 0 ]]; then shift; fi
cargo build --release --quiet -p db001-server --bin db001 -p db001-tests --bin crash_loop
target="${CARGO_TARGET_DIR:-target}"
export DB001_BIN="$target/release/db001"
exec "$target/release/crash_loop" --cycles "$cycles" "$@"
