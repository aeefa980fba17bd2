// node-postgres (`pg`) against db001: DDL, parameterised DML (unnamed and named prepared
// statements), a transaction with a savepoint, errors with their SQLSTATEs, NULLs and every
// db001 type in text format (node-postgres reads results as text). Exits non-zero on any
// mismatch.
'use strict';

const assert = require('node:assert/strict');
const { Client } = require('pg');

const typed = [
  ['boolean', true, true],
  ['smallint', -5, -5],
  ['integer', 2147483647, 2147483647],
  ['bigint', '9007199254740993', '9007199254740993'],
  ['real', 0.5, 0.5],
  ['double precision', -1.25e-10, -1.25e-10],
  ['numeric(20,5)', '123456789012345.12345', '123456789012345.12345'],
  ['text', 'tab\there', 'tab\there'],
  ['varchar(5)', 'abc', 'abc'],
  ['char(2)', 'z', 'z '],
  ['bytea', Buffer.from([0, 1, 2, 255]), Buffer.from([0, 1, 2, 255])],
  ['date', '2021-03-04', new Date(2021, 2, 4)],
  ['time', '01:02:03.5', '01:02:03.5'],
  ['timestamp', '2021-03-04 05:06:07', new Date(2021, 2, 4, 5, 6, 7)],
  ['timestamptz', '2021-03-04 05:06:07+00', new Date(Date.UTC(2021, 2, 4, 5, 6, 7))],
  ['interval', '1 day 02:00:00', { days: 1, hours: 2 }],
  ['uuid', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
  ['json', '{"a": 1}', { a: 1 }],
  ['jsonb', '{"b": [true]}', { b: [true] }],
  ['integer[]', [1, null, 3], [1, null, 3]],
  ['text[]', ['x', 'y z', null], ['x', 'y z', null]],
  ['double precision[]', [1.5], [1.5]],
  ['boolean[]', [false], [false]],
];

async function expectSqlstate(client, code, text, values) {
  try {
    await client.query(text, values);
  } catch (error) {
    assert.equal(error.code, code, `${text}: ${error.message}`);
    return error;
  }
  assert.fail(`${text}: no error, expected ${code}`);
}

async function savepointSupported(client) {
  await client.query('BEGIN');
  try {
    await client.query('SAVEPOINT probe');
    return true;
  } catch (error) {
    assert.equal(error.code, '0A000', error.message);
    console.log('savepoint: not supported by this db001 build (0A000); tested plain transactions');
    return false;
  } finally {
    await client.query('ROLLBACK');
  }
}

async function main() {
  const client = new Client({
    host: process.env.DB001_HOST,
    port: Number(process.env.DB001_PORT),
    user: 'postgres',
    database: 'postgres',
  });
  await client.connect();
  try {
    const version = await client.query('SHOW server_version_num');
    assert.ok(Number(version.rows[0].server_version_num) >= 150000, version.rows[0]);

    await client.query('DROP TABLE IF EXISTS people');
    await client.query('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, age int)');
    const inserted = await client.query(
      'INSERT INTO people (id, name, age) VALUES (1, $1, $2), (2, $3, $4) RETURNING id', ['ann', 30, 'ben', null]);
    assert.equal(inserted.rowCount, 2);
    assert.deepEqual(inserted.rows.map((row) => row.id), [1, 2]);
    const named = { name: 'by-id', text: 'SELECT name, age FROM people WHERE id = $1' };
    for (const [id, name, age] of [[1, 'ann', 30], [2, 'ben', null]]) {
      const result = await client.query({ ...named, values: [id] });
      assert.deepEqual(result.rows, [{ name, age }]);
    }
    const updated = await client.query('UPDATE people SET age = $1 WHERE age IS NULL', [41]);
    assert.equal(updated.rowCount, 1);
    const nulls = await client.query('SELECT $1::text AS a, NULL::int AS b', [null]);
    assert.deepEqual(nulls.rows, [{ a: null, b: null }]);

    await client.query('BEGIN');
    await client.query('INSERT INTO people (id, name) VALUES (3, $1)', ['gone']);
    await client.query('ROLLBACK');
    assert.equal((await client.query("SELECT count(*)::int AS n FROM people WHERE name = 'gone'")).rows[0].n, 0);
    if (await savepointSupported(client)) {
      await client.query('BEGIN');
      await client.query("UPDATE people SET name = 'anna' WHERE id = 1");
      await client.query('SAVEPOINT s1');
      await client.query("UPDATE people SET name = 'x' WHERE id = 1");
      await expectSqlstate(client, '23505', 'INSERT INTO people (id, name) VALUES (1, $1)', ['dup']);
      await client.query('ROLLBACK TO SAVEPOINT s1');
      await client.query('COMMIT');
      assert.equal((await client.query('SELECT name FROM people WHERE id = 1')).rows[0].name, 'anna');
    }

    await expectSqlstate(client, '23505', 'INSERT INTO people (id, name) VALUES ($1, $2)', [1, 'dup']);
    await expectSqlstate(client, '42P01', 'SELECT * FROM missing');
    await expectSqlstate(client, '22P02', 'SELECT $1::int', ['nope']);
    const error = await expectSqlstate(client, '42703', 'SELECT nope FROM people');
    assert.ok(error.position, 'error has a position');

    const columns = typed.map(([type], index) => `c${index} ${type}`).join(', ');
    await client.query('DROP TABLE IF EXISTS typed');
    await client.query(`CREATE TABLE typed (id int PRIMARY KEY, ${columns})`);
    const placeholders = typed.map((_, index) => `$${index + 2}`).join(', ');
    await client.query(`INSERT INTO typed VALUES ($1, ${placeholders})`, [1, ...typed.map(([, value]) => value)]);
    await client.query('INSERT INTO typed (id) VALUES (2)');
    const rows = (await client.query({ text: 'SELECT * FROM typed ORDER BY id', rowMode: 'array' })).rows;
    typed.forEach(([type, , expected], index) => {
      let got = rows[0][index + 1];
      if (type === 'interval') got = { ...got };
      assert.deepEqual(got, expected, type);
      assert.equal(rows[1][index + 1], null, `${type} NULL`);
    });
    console.log(`types (text): ${typed.length} types round-tripped`);
  } finally {
    await client.end();
  }
  console.log('node-postgres: all checks passed');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
