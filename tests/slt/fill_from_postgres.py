#!/usr/bin/env python3
"""Fill in the expected results of sqllogictest files from a real PostgreSQL.

    python3 tests/slt/fill_from_postgres.py postgresql://postgres@127.0.0.1:5432/postgres tests/slt/*.slt

For every `query` record the block after `----` is replaced by what PostgreSQL returns; for every
`statement error` record the SQLSTATE is filled in (and `statement ok` records must succeed).
Each file runs in a fresh database. The Rust runner (tests/tests/slt.rs) then checks db001 and
PostgreSQL against these files on every test run, so a file that drifts from PostgreSQL fails.

Format (the sqllogictest-rs dialect, reduced):

    statement ok | statement error [SQLSTATE]
    <SQL, up to a blank line>

    query <column count as letters, e.g. ITR> [rowsort]
    <SQL>
    ----
    <one line per row, values separated by one space; NULL as NULL, '' as (empty)>
"""

import sys
import uuid

import psycopg


def parse(text):
    records, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            records.append(("raw", line))
            i += 1
            continue
        header = line
        i += 1
        sql = []
        while i < len(lines) and lines[i].strip() and lines[i] != "----":
            sql.append(lines[i])
            i += 1
        expected = []
        if i < len(lines) and lines[i] == "----":
            i += 1
            while i < len(lines) and lines[i].strip():
                expected.append(lines[i])
                i += 1
        records.append(("record", header, "\n".join(sql), expected))
    return records


def render(value):
    if value is None:
        return "NULL"
    text = value.decode()
    return "(empty)" if text == "" else text


def run_file(url, path):
    admin = psycopg.connect(url, autocommit=True)
    name = "slt_" + uuid.uuid4().hex[:12]
    admin.execute(f"CREATE DATABASE {name}")
    try:
        conn = psycopg.connect(url.rsplit("/", 1)[0] + "/" + name, autocommit=True)
        out = []
        for record in parse(open(path).read()):
            if record[0] == "raw":
                out.append(record[1])
                continue
            _, header, sql, _ = record
            words = header.split()
            try:
                cur = conn.execute(sql)
                error = None
            except psycopg.Error as e:
                error = e
            if words[0] == "statement":
                if error is not None and words[1] == "ok":
                    sys.exit(f"{path}: expected success: {sql}\n{error}")
                if error is None and words[1] == "error":
                    sys.exit(f"{path}: expected an error: {sql}")
                if error is not None:
                    header = f"statement error {error.sqlstate}"
                out.append(header)
                out.append(sql)
            else:
                if error is not None:
                    sys.exit(f"{path}: query failed: {sql}\n{error}")
                result = cur.pgresult
                rows = [
                    " ".join(render(result.get_value(r, c)) for c in range(result.nfields))
                    for r in range(result.ntuples)
                ]
                if "rowsort" in words:
                    rows.sort()
                out.append(header)
                out.append(sql)
                out.append("----")
                out.extend(rows)
        conn.close()
        open(path, "w").write("\n".join(out))
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


if __name__ == "__main__":
    for file in sys.argv[2:]:
        run_file(sys.argv[1], file)
        print("filled", file)
