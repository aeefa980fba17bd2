"""psycopg 3 against db001, in text and in binary format.

Connects with the DSN in DB001_DSN and exercises what an application does: DDL, parameterised
DML (client-side `execute` with server-side binding, `executemany`, prepared statements), a
transaction with a savepoint, an error with its SQLSTATE, NULLs, and a round trip of every type
db001 supports, once with text results and once with binary results (`binary=True` cursors,
which also send parameters in binary). Any mismatch raises, so the exit status is the verdict.
"""

import datetime
import decimal
import json
import os
import sys
import uuid

import psycopg
from psycopg import errors, sql
from psycopg.types.json import Json, Jsonb

DSN = os.environ["DB001_DSN"]

# One row per type: (column type, value sent, value expected back).
TYPED_VALUES = [
    ("boolean", True, True),
    ("smallint", -32768, -32768),
    ("integer", 2147483647, 2147483647),
    ("bigint", -9223372036854775808, -9223372036854775808),
    ("real", 1.5, 1.5),
    ("double precision", 2.718281828459045, 2.718281828459045),
    ("numeric(12,4)", decimal.Decimal("-12345.6789"), decimal.Decimal("-12345.6789")),
    ("numeric", decimal.Decimal("3.14159265358979323846"), decimal.Decimal("3.14159265358979323846")),
    ("text", "héllo, wörld", "héllo, wörld"),
    ("varchar(10)", "short", "short"),
    ("char(4)", "ab", "ab  "),
    ("bytea", b"\x00\x01\xfe\xff", b"\x00\x01\xfe\xff"),
    ("date", datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)),
    ("time", datetime.time(23, 59, 58, 123456), datetime.time(23, 59, 58, 123456)),
    ("timestamp", datetime.datetime(1999, 12, 31, 23, 59, 59, 500000), datetime.datetime(1999, 12, 31, 23, 59, 59, 500000)),
    (
        "timestamptz",
        datetime.datetime(2020, 5, 17, 10, 30, tzinfo=datetime.timezone.utc),
        datetime.datetime(2020, 5, 17, 10, 30, tzinfo=datetime.timezone.utc),
    ),
    ("interval", datetime.timedelta(days=3, hours=4, seconds=5), datetime.timedelta(days=3, hours=4, seconds=5)),
    ("uuid", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
    ("json", Json({"a": [1, 2, None]}), {"a": [1, 2, None]}),
    ("jsonb", Jsonb({"b": {"c": "d"}, "n": 1.5}), {"b": {"c": "d"}, "n": 1.5}),
    ("integer[]", [1, None, 3], [1, None, 3]),
    ("text[]", ["a", "b c", None, 'q"uote'], ["a", "b c", None, 'q"uote']),
    ("bigint[]", [1, -2, 9223372036854775807], [1, -2, 9223372036854775807]),
    ("double precision[]", [1.25, -0.5], [1.25, -0.5]),
    ("boolean[]", [True, False], [True, False]),
    ("numeric[]", [decimal.Decimal("1.5"), decimal.Decimal("-2")], [decimal.Decimal("1.5"), decimal.Decimal("-2")]),
    ("date[]", [datetime.date(2000, 1, 1)], [datetime.date(2000, 1, 1)]),
    ("uuid[]", [uuid.UUID(int=1)], [uuid.UUID(int=1)]),
    ("smallint[]", [7, None, -7], [7, None, -7]),
    ("real[]", [0.25], [0.25]),
    ("varchar[]", ["v", "w x"], ["v", "w x"]),
    ("bytea[]", [b"\x00\xff"], [b"\x00\xff"]),
    ("time[]", [datetime.time(1, 2, 3)], [datetime.time(1, 2, 3)]),
    ("timestamp[]", [datetime.datetime(2001, 2, 3, 4, 5, 6)], [datetime.datetime(2001, 2, 3, 4, 5, 6)]),
    (
        "timestamptz[]",
        [datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)],
        [datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)],
    ),
    ("interval[]", [datetime.timedelta(seconds=90)], [datetime.timedelta(seconds=90)]),
    ("oid", 4294967295, 4294967295),
    ("oid[]", [1, 4294967295], [1, 4294967295]),
]


def expect_sqlstate(conn, code, statement, params=None):
    """Runs `statement`, which must fail with SQLSTATE `code`; the transaction is rolled back."""
    try:
        conn.execute(statement, params)
    except psycopg.Error as error:
        assert error.sqlstate == code, f"{statement}: got {error.sqlstate} {error}"
        conn.rollback()
        return error
    raise AssertionError(f"{statement}: no error, expected {code}")


def savepoint_supported(conn):
    """Whether the server accepts SAVEPOINT (db001 gains it with the DDL work); says which."""
    conn.execute("BEGIN")
    try:
        conn.execute("SAVEPOINT probe")
    except errors.FeatureNotSupported:
        conn.rollback()
        print("savepoint: not supported by this db001 build (0A000); tested plain transactions")
        return False
    conn.rollback()
    return True


def check_basics(conn):
    row = conn.execute("SELECT version(), current_database(), current_user, current_schema()").fetchone()
    assert row[1] == "postgres" and row[3] == "public", row
    assert conn.info.server_version >= 150000, conn.info.server_version
    assert conn.info.parameter_status("client_encoding") == "UTF8"
    assert conn.info.parameter_status("standard_conforming_strings") == "on"

    conn.execute("DROP TABLE IF EXISTS accounts")
    conn.execute(
        "CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance numeric(12,2), note text)"
    )
    conn.commit()

    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO accounts (id, owner, balance, note) VALUES (%s, %s, %s, %s)",
            [(1, "alice", decimal.Decimal("100.00"), None), (2, "bob", decimal.Decimal("50.50"), "vip")],
        )
        cursor.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (decimal.Decimal("1.25"), 1))
        assert cursor.rowcount == 1
        cursor.execute("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        rows = cursor.fetchall()
    conn.commit()
    assert rows == [(1, "alice", decimal.Decimal("101.25"), None), (2, "bob", decimal.Decimal("50.50"), "vip")], rows

    # Server-side prepared statement (psycopg prepares after prepare_threshold uses; force it).
    for id_ in (1, 2):
        row = conn.execute("SELECT owner FROM accounts WHERE id = %s", (id_,), prepare=True).fetchone()
        assert row[0] == ("alice" if id_ == 1 else "bob")
    conn.commit()

    # NULLs: in parameters, results and predicates.
    row = conn.execute(
        "SELECT %s::text IS NULL, note, coalesce(note, 'none') FROM accounts WHERE id = %s", (None, 1)
    ).fetchone()
    assert row == (True, None, "none"), row
    conn.commit()


def check_transactions(conn):
    with conn.transaction():
        conn.execute("INSERT INTO accounts VALUES (3, 'carol', 0, NULL)")
    conn.execute("BEGIN")
    conn.execute("DELETE FROM accounts WHERE id = 3")
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM accounts WHERE id = 3").fetchone()[0] == 1
    conn.commit()

    if savepoint_supported(conn):
        with conn.transaction():
            conn.execute("UPDATE accounts SET balance = 1 WHERE id = 3")
            try:
                with conn.transaction():
                    conn.execute("UPDATE accounts SET balance = 2 WHERE id = 3")
                    conn.execute("INSERT INTO accounts VALUES (1, 'dup', 0, NULL)")
            except errors.UniqueViolation:
                pass
        balance = conn.execute("SELECT balance FROM accounts WHERE id = 3").fetchone()[0]
        assert balance == 1, balance
        conn.commit()

    error = expect_sqlstate(conn, "23505", "INSERT INTO accounts VALUES (1, 'dup', 0, NULL)")
    assert error.diag.constraint_name in (None, "accounts_pkey"), error.diag.constraint_name
    expect_sqlstate(conn, "42P01", "SELECT * FROM no_such_table")
    expect_sqlstate(conn, "22012", "SELECT 1 / 0")
    expect_sqlstate(conn, "23502", "INSERT INTO accounts (id) VALUES (9)")
    expect_sqlstate(conn, "42601", "SELEC 1")
    # In a failed transaction every statement is refused with 25P02 until ROLLBACK.
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT 1 / 0")
    except errors.DivisionByZero:
        pass
    try:
        conn.execute("SELECT 1")
        raise AssertionError("statement in a failed transaction succeeded")
    except errors.InFailedSqlTransaction:
        pass
    conn.rollback()


def check_types(conn, binary):
    label = "binary" if binary else "text"
    columns = ", ".join(f"c{i} {type_}" for i, (type_, _, _) in enumerate(TYPED_VALUES))
    conn.execute("DROP TABLE IF EXISTS typed")
    conn.execute(f"CREATE TABLE typed (id integer PRIMARY KEY, {columns})")
    placeholders = ", ".join("%b" if binary else "%t" for _ in TYPED_VALUES)
    with conn.cursor(binary=binary) as cursor:
        cursor.execute(
            f"INSERT INTO typed VALUES (1, {placeholders})", [value for _, value, _ in TYPED_VALUES]
        )
        cursor.execute(
            f"INSERT INTO typed (id) VALUES (%s)", (2,)
        )
        cursor.execute("SELECT * FROM typed ORDER BY id")
        rows = cursor.fetchall()
        types = [column.type_code for column in cursor.description]
    conn.commit()
    assert len(rows) == 2
    for index, (type_, _, expected) in enumerate(TYPED_VALUES):
        got = rows[0][index + 1]
        assert got == expected, f"{label} {type_}: got {got!r}, expected {expected!r}"
        assert rows[1][index + 1] is None, f"{label} {type_}: NULL came back as {rows[1][index + 1]!r}"
    assert types[0] == 23, types
    # Literals through the same path: server-side casts and text/binary output of expressions.
    with conn.cursor(binary=binary) as cursor:
        cursor.execute(
            "SELECT 1::int2, 2::int8, 1.5::float4, 'x'::varchar, NULL::int, ARRAY[1,2]::int[], "
            "'1 day'::interval, '{\"k\": true}'::jsonb"
        )
        row = cursor.fetchone()
    conn.commit()
    assert row == (1, 2, 1.5, "x", None, [1, 2], datetime.timedelta(days=1), {"k": True}), row
    print(f"types ({label}): {len(TYPED_VALUES)} types round-tripped")


def check_copy(conn):
    conn.execute("DROP TABLE IF EXISTS copied")
    conn.execute("CREATE TABLE copied (id integer, name text)")
    with conn.cursor() as cursor:
        with cursor.copy("COPY copied (id, name) FROM STDIN") as copy:
            copy.write_row((1, "one"))
            copy.write_row((2, None))
        out = []
        with cursor.copy("COPY (SELECT id, name FROM copied ORDER BY id) TO STDOUT") as copy:
            for row in copy.rows():
                out.append(row)
    conn.commit()
    assert out == [("1", "one"), ("2", None)], out


def main():
    with psycopg.connect(DSN) as conn:
        check_basics(conn)
        check_transactions(conn)
        check_types(conn, binary=False)
        check_types(conn, binary=True)
        check_copy(conn)
    with psycopg.connect(DSN, autocommit=True) as conn:
        assert conn.execute(sql.SQL("SELECT {}").format(sql.Literal("lit"))).fetchone()[0] == "lit"
    print("psycopg: all checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        raise
