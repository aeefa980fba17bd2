#!/usr/bin/env bash
# Installs the client libraries the client suites (tests/clients/*) drive, once: a Python venv
# with psycopg 3, asyncpg and SQLAlchemy 2; node-postgres; Debian's pgjdbc. Idempotent and
# cached: a rerun with everything in place returns in well under a second. The cache lives in
# $DB001_CLIENTS_CACHE (default ~/.cache/db001-clients), outside the work tree, so `git clean`
# and fresh clones on the same machine reuse it.
#
# Prints the cache directory on its last line; tests/tests/clients.rs reads it from there.
set -euo pipefail

cache="${DB001_CLIENTS_CACHE:-$HOME/.cache/db001-clients}"
mkdir -p "$cache"
# One installer at a time (cargo runs test binaries in parallel).
exec 9>"$cache/.lock"
flock -w 900 9

python_packages=("psycopg[binary]==3.2.10" "asyncpg==0.30.0" "SQLAlchemy==2.0.44")
node_packages=("pg@8.16.3")
stamp_python="$cache/venv/.installed-$(printf '%s ' "${python_packages[@]}" | sha256sum | cut -c1-16)"
stamp_node="$cache/node/.installed-$(printf '%s ' "${node_packages[@]}" | sha256sum | cut -c1-16)"

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo -n)
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq >&2
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@" >&2
}

if [[ ! -e "$stamp_python" ]]; then
    echo "installing ${python_packages[*]}" >&2
    rm -rf "$cache/venv"
    if ! python3 -m venv "$cache/venv" >&2; then
        # Debian's python3 ships venv/ensurepip separately.
        rm -rf "$cache/venv"
        apt_install python3-venv
        python3 -m venv "$cache/venv"
    fi
    "$cache/venv/bin/pip" install --quiet --disable-pip-version-check "${python_packages[@]}" >&2
    touch "$stamp_python"
fi

if [[ ! -e "$stamp_node" ]]; then
    echo "installing ${node_packages[*]}" >&2
    rm -rf "$cache/node"
    mkdir -p "$cache/node"
    (cd "$cache/node" && npm install --silent --no-audit --no-fund --prefix . "${node_packages[@]}" >&2)
    touch "$stamp_node"
fi

jdbc_jar=/usr/share/java/postgresql.jar
if [[ ! -e "$jdbc_jar" ]]; then
    echo "installing libpostgresql-jdbc-java" >&2
    apt_install libpostgresql-jdbc-java
fi
[[ -e "$jdbc_jar" ]] || { echo "pgjdbc not installed at $jdbc_jar" >&2; exit 1; }

echo "$cache"
