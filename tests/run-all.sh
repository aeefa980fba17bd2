#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test of every crate (unit, property,
# end-to-end over the wire, sqllogictest against db001 and PostgreSQL, TPC-C/YCSB driver checks).
# Installs what it needs: the client libraries the client suites drive (psycopg 3, asyncpg,
# SQLAlchemy 2 in a venv; node-postgres; Debian's pgjdbc) through tests/clients/install.sh,
# cached across runs. PostgreSQL 15's binaries must be on the machine (they are on every machine
# this project runs on), and tests that need a PostgreSQL server start their own.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== client libraries (tests/clients/install.sh)"
bash tests/clients/install.sh

echo "== cargo test"
cargo test --workspace -- --test-threads=2
