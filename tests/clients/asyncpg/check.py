"""asyncpg against db001.

asyncpg speaks only the extended protocol, names its prepared statements, asks for binary
results for every type it has a codec for, and introspects unknown type OIDs with a recursive
query over pg_type (and pg_range / pg_attribute). This drives all of that: DDL, parameterised
DML with explicit `prepare()`d statements, executemany, a transaction with a savepoint, errors
with their SQLSTATEs, NULLs, every db001 type in binary, and COPY. Any mismatch raises.
"""

import asyncio
import datetime
import decimal
import io
import json
import os
import uuid

import asyncpg

HOST = os.environ["DB001_HOST"]
PORT = int(os.environ["DB001_PORT"])

# Arrays of every element type: asyncpg builds their codecs by introspecting pg_type with a
# query whose parameter is oid[] and whose result has oid columns, so this also checks that
# db001 sends oids as 4-byte `oid` values.
TYPED_VALUES = [
    ("boolean", False),
    ("smallint", 12345),
    ("integer", -7),
    ("bigint", 2**62),
    ("real", -0.25),
    ("double precision", 1e300),
    ("numeric(10,3)", decimal.Decimal("1234567.891")),
    ("numeric", decimal.Decimal("-0.000000000001")),
    ("text", "snow ☃"),
    ("varchar(8)", "eight ch"),
    ("char(3)", "xyz"),
    ("bytea", bytes(range(256))),
    ("date", datetime.date(1970, 1, 1)),
    ("time", datetime.time(12, 0, 0, 1)),
    ("timestamp", datetime.datetime(2038, 1, 19, 3, 14, 8)),
    ("timestamptz", datetime.datetime(2001, 9, 9, 1, 46, 40, tzinfo=datetime.timezone.utc)),
    ("interval", datetime.timedelta(days=-1, seconds=3600)),
    ("uuid", uuid.UUID("123e4567-e89b-12d3-a456-426614174000")),
    ("json", json.dumps({"x": [1, 2]})),
    ("jsonb", json.dumps({"y": None})),
    ("text[]", ["a", None, ""]),
    ("boolean[]", [True, None, False]),
    ("smallint[]", [1, -32768, None]),
    ("integer[]", [2**31 - 1, None]),
    ("bigint[]", [-(2**63), 0]),
    ("real[]", [0.5, None]),
    ("double precision[]", [1e-300, -2.5]),
    ("numeric[]", [decimal.Decimal("1.50"), None, decimal.Decimal("-7")]),
    ("varchar[]", ["x", "y z"]),
    ("char(2)[]", ["ab", "c "]),
    ("bytea[]", [b"\x00\x01", None]),
    ("date[]", [datetime.date(2000, 2, 29), None]),
    ("time[]", [datetime.time(23, 59, 59, 999999)]),
    ("timestamp[]", [datetime.datetime(1999, 12, 31, 23, 59, 59), None]),
    ("timestamptz[]", [datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)]),
    ("interval[]", [datetime.timedelta(days=2, microseconds=5)]),
    ("uuid[]", [uuid.UUID("00000000-0000-0000-0000-000000000001"), None]),
    ("oid[]", [0, 4294967295]),
    ("oid", 4294967295),
]


async def expect_sqlstate(conn, code, statement, *args):
    try:
        await conn.execute(statement, *args)
    except asyncpg.PostgresError as error:
        assert error.sqlstate == code, f"{statement}: got {error.sqlstate} {error}"
        return error
    raise AssertionError(f"{statement}: no error, expected {code}")


async def savepoint_supported(conn):
    try:
        async with conn.transaction():
            await conn.execute("SAVEPOINT probe")
    except asyncpg.FeatureNotSupportedError:
        print("savepoint: not supported by this db001 build (0A000); tested plain transactions")
        return False
    return True


async def check_basics(conn):
    assert conn.get_server_version().major == 15, conn.get_server_version()
    await conn.execute("DROP TABLE IF EXISTS items")
    await conn.execute(
        "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric(8,2), tags text[])"
    )
    insert = await conn.prepare("INSERT INTO items VALUES ($1, $2, $3, $4)")
    await insert.fetch(1, "apple", decimal.Decimal("0.50"), ["fruit"])
    await insert.fetch(2, "nothing", None, None)
    await conn.executemany(
        "INSERT INTO items (id, name, price) VALUES ($1, $2, $3)",
        [(3, "pear", decimal.Decimal("0.75")), (4, "plum", decimal.Decimal("1.00"))],
    )
    status = await conn.execute("UPDATE items SET price = price * 2 WHERE id >= $1", 3)
    assert status == "UPDATE 2", status

    select = await conn.prepare("SELECT id, name, price, tags FROM items WHERE id = $1")
    assert [attribute.type.name for attribute in select.get_attributes()] == ["int8", "text", "numeric", "text[]"]
    assert [parameter.name for parameter in select.get_parameters()] == ["int8"]
    row = await select.fetchrow(1)
    assert tuple(row) == (1, "apple", decimal.Decimal("0.50"), ["fruit"]), row
    row = await select.fetchrow(2)
    assert row["price"] is None and row["tags"] is None, row
    assert await select.fetchrow(99) is None
    # The same named statement many times (the server keeps it).
    for id_ in range(1, 5):
        assert (await select.fetchrow(id_))["id"] == id_
    total = await conn.fetchval("SELECT sum(price) FROM items")
    assert total == decimal.Decimal("4.00"), total
    rows = await conn.fetch("SELECT id FROM items WHERE price IS NULL")
    assert [r["id"] for r in rows] == [2], rows
    # A cursor in a transaction (portal with row limits).
    async with conn.transaction():
        seen = [record["id"] async for record in conn.cursor("SELECT id FROM items ORDER BY id", prefetch=2)]
    assert seen == [1, 2, 3, 4], seen


async def check_transactions(conn):
    async with conn.transaction():
        await conn.execute("INSERT INTO items (id, name) VALUES (10, 'ten')")
    try:
        async with conn.transaction():
            await conn.execute("DELETE FROM items WHERE id = 10")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert await conn.fetchval("SELECT count(*) FROM items WHERE id = 10") == 1

    if await savepoint_supported(conn):
        async with conn.transaction():
            await conn.execute("UPDATE items SET name = 'outer' WHERE id = 10")
            try:
                async with conn.transaction():  # a savepoint
                    await conn.execute("UPDATE items SET name = 'inner' WHERE id = 10")
                    await conn.execute("INSERT INTO items (id, name) VALUES (1, 'dup')")
            except asyncpg.UniqueViolationError:
                pass
        assert await conn.fetchval("SELECT name FROM items WHERE id = 10") == "outer"

    await expect_sqlstate(conn, "23505", "INSERT INTO items (id, name) VALUES ($1, $2)", 1, "dup")
    await expect_sqlstate(conn, "23502", "INSERT INTO items (id) VALUES ($1)", 50)
    await expect_sqlstate(conn, "42703", "SELECT nope FROM items")
    await expect_sqlstate(conn, "22P02", "SELECT 'x'::integer")
    await expect_sqlstate(conn, "22012", "SELECT $1::int / 0", 1)
    # The connection is usable after errors.
    assert await conn.fetchval("SELECT 1") == 1


async def check_types(conn):
    columns = ", ".join(f"c{i} {type_}" for i, (type_, _) in enumerate(TYPED_VALUES))
    await conn.execute("DROP TABLE IF EXISTS typed")
    await conn.execute(f"CREATE TABLE typed (id integer PRIMARY KEY, {columns})")
    placeholders = ", ".join(f"${i + 2}" for i in range(len(TYPED_VALUES)))
    await conn.execute(f"INSERT INTO typed VALUES ($1, {placeholders})", 1, *[v for _, v in TYPED_VALUES])
    await conn.execute("INSERT INTO typed (id) VALUES (2)")
    rows = await conn.fetch("SELECT * FROM typed ORDER BY id")
    for index, (type_, value) in enumerate(TYPED_VALUES):
        got = rows[0][index + 1]
        expected = value
        if type_ == "jsonb":
            expected = json.dumps(json.loads(value))
        if type_ == "json":
            got = json.dumps(json.loads(got))
        assert got == expected, f"{type_}: got {got!r}, expected {expected!r}"
        assert rows[1][index + 1] is None, f"{type_}: NULL came back as {rows[1][index + 1]!r}"
    # Parameters compared server-side, in binary.
    for index, (type_, value) in enumerate(TYPED_VALUES):
        if type_ in ("json", "jsonb") or type_.endswith("[]"):
            continue
        found = await conn.fetchval(f"SELECT id FROM typed WHERE c{index} = $1", value)
        assert found == 1, f"{type_}: parameter did not match the stored value"
    print(f"types (binary): {len(TYPED_VALUES)} types round-tripped")


async def check_copy(conn):
    await conn.execute("DROP TABLE IF EXISTS copied")
    await conn.execute("CREATE TABLE copied (id integer, name text)")
    # Binary COPY FROM STDIN (copy_records_to_table), then CSV both ways.
    status = await conn.copy_records_to_table(
        "copied", records=[(10, "ten"), (11, None)], columns=["id", "name"]
    )
    assert status == "COPY 2", status
    rows = await conn.fetch("SELECT id, name FROM copied ORDER BY id")
    assert [tuple(r) for r in rows] == [(10, "ten"), (11, None)], rows
    await conn.execute("DELETE FROM copied")
    status = await conn.copy_to_table(
        "copied", source=io.BytesIO(b"1,a\n2,\n"), columns=["id", "name"], format="csv"
    )
    assert status == "COPY 2", status
    out = io.BytesIO()
    await conn.copy_from_query("SELECT id, name FROM copied ORDER BY id", output=out, format="csv")
    assert out.getvalue() == b"1,a\n2,\n", out.getvalue()
    rows = await conn.fetch("SELECT id, name FROM copied ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, "a"), (2, None)], rows


async def main():
    conn = await asyncpg.connect(host=HOST, port=PORT, user="postgres", database="postgres")
    try:
        await check_basics(conn)
        await check_transactions(conn)
        await check_types(conn)
        await check_copy(conn)
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(host=HOST, port=PORT, user="postgres", database="postgres", min_size=2, max_size=4)
    try:
        values = await asyncio.gather(*[pool.fetchval("SELECT $1::int + 1", i) for i in range(20)])
        assert values == [i + 1 for i in range(20)], values
    finally:
        await pool.close()
    print("asyncpg: all checks passed")


if __name__ == "__main__":
    asyncio.run(main())
