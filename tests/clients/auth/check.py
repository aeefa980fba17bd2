"""Password authentication as psycopg 3 (libpq's SCRAM and md5) and asyncpg (its own SCRAM and
md5) perform it. The server must require scram-sha-256 for role `app` and md5 for role
`legacy` (whose password is stored as an md5 hash), as tests/tests/clients.rs sets up on db001
and on PostgreSQL 15. Any mismatch raises.
"""

import asyncio
import os

import asyncpg
import psycopg

HOST = os.environ["DB001_HOST"]
PORT = int(os.environ["DB001_PORT"])
ROLES = [("app", "app-secret"), ("legacy", "legacy-secret")]


def check_psycopg():
    for user, password in ROLES:
        with psycopg.connect(host=HOST, port=PORT, user=user, password=password, dbname="postgres") as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == user
        try:
            psycopg.connect(host=HOST, port=PORT, user=user, password="wrong", dbname="postgres")
        except psycopg.OperationalError as error:
            assert "password authentication failed" in str(error), error
        else:
            raise AssertionError(f"psycopg: {user} logged in with a wrong password")
    print("psycopg: scram-sha-256 and md5 ok")


async def check_asyncpg():
    for user, password in ROLES:
        conn = await asyncpg.connect(host=HOST, port=PORT, user=user, password=password, database="postgres")
        try:
            assert await conn.fetchval("SELECT current_user") == user
        finally:
            await conn.close()
        try:
            await asyncpg.connect(host=HOST, port=PORT, user=user, password="wrong", database="postgres")
        except asyncpg.InvalidPasswordError as error:
            assert error.sqlstate == "28P01", error.sqlstate
        else:
            raise AssertionError(f"asyncpg: {user} logged in with a wrong password")
    print("asyncpg: scram-sha-256 and md5 ok")


check_psycopg()
asyncio.run(check_asyncpg())
print("auth-python: all checks passed")
