#!/usr/bin/env bash
# The long simulated power-loss run: `tests/power-loss-long.sh [SEEDS|FIRST..END]`.
#
# Runs the seeded power-loss tests over many seeds (default 0..2000): the WAL-level one
# (crates/wal/tests/faults.rs: concurrent committers, power lost after a seeded number of I/O
# operations, unsynced writes dropped or torn at 512-byte boundaries) and the engine-level one
# (crates/engine/tests/power_loss.rs: bank transfers and checkpoints back to back through
# FaultyIo). CI runs 120 and 24 seeds. A failure names its seed; replay one with
#   DB001_POWER_LOSS_SEED=N cargo test -p db001-wal --test faults power_loss_never
#   DB001_POWER_LOSS_SEED=N cargo test -p db001-engine --test power_loss
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-2000}"
export DB001_POWER_LOSS_SEEDS="$seeds"
cargo test --release -p db001-wal --test faults power_loss_never -- --nocapture
cargo test --release -p db001-engine --test power_loss -- --nocapture
echo "power-loss-long: seeds $seeds: OK"
