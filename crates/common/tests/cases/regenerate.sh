#!/bin/bash
# Regenerates the expected (last) column of the case tables from a real PostgreSQL 15.
#
#   PGHOST=/tmp/pg PGPORT=5432 PGUSER=postgres crates/common/tests/cases/regenerate.sh
#
# Line layouts (tab-separated; the expected column is replaced or appended):
#   text_input.tsv   type  input                       SELECT $$input$$::type
#   operations.tsv   op    ltype lvalue operator rtype rvalue
#                                                      SELECT ($$lvalue$$::ltype) operator ($$rvalue$$::rtype)
#                    cast  ftype value ttype           SELECT ($$value$$::ftype)::ttype
#                    neg   type  value                 SELECT -($$value$$::type)
# expected is PostgreSQL's text output, or `ERROR <SQLSTATE>` when PostgreSQL rejects it.
set -uo pipefail
cd "$(dirname "$0")"
quote() { printf '$q$%s$q$' "$1"; }
for file in text_input.tsv operations.tsv; do
  [ -f "$file" ] || continue
  tmp=$(mktemp)
  while IFS= read -r line; do
    # Split on tabs without collapsing empty fields (tab is IFS whitespace, \x1f is not).
    IFS=$'\x1f' read -r -a f <<< "${line//$'\t'/$'\x1f'}"
    f+=("" "" "" "" "" "")
    case "$file:${f[0]}" in
      text_input.tsv:*) n=2; sql="SELECT $(quote "${f[1]}")::${f[0]}" ;;
      *:op)   n=6; sql="SELECT ($(quote "${f[2]}")::${f[1]}) ${f[3]} ($(quote "${f[5]}")::${f[4]})" ;;
      *:cast) n=4; sql="SELECT ($(quote "${f[2]}")::${f[1]})::${f[3]}" ;;
      *:neg)  n=3; sql="SELECT -($(quote "${f[2]}")::${f[1]})" ;;
      *) echo "unknown line: ${f[*]}" >&2; exit 1 ;;
    esac
    if out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "$sql" 2>&1); then
      expected="$out"
    else
      expected="ERROR $(psql -XAtq -v VERBOSITY=verbose -c "$sql" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -1 || true)"
    fi
    (IFS=$'\t'; printf '%s\t%s\n' "${f[*]:0:$n}" "$expected") >> "$tmp"
  done < "$file"
  mv "$tmp" "$file"
done
