// node-postgres' own SCRAM-SHA-256 and md5 clients against a server that requires
// scram-sha-256 for role `app` and md5 for role `legacy` (see tests/tests/clients.rs).
'use strict';

const assert = require('node:assert/strict');
const { Client } = require('pg');

const base = { host: process.env.DB001_HOST, port: Number(process.env.DB001_PORT), database: 'postgres' };

async function main() {
  for (const [user, password] of [['app', 'app-secret'], ['legacy', 'legacy-secret']]) {
    const client = new Client({ ...base, user, password });
    await client.connect();
    const result = await client.query('SELECT current_user AS who');
    assert.equal(result.rows[0].who, user);
    await client.end();
    const wrong = new Client({ ...base, user, password: 'wrong' });
    await assert.rejects(wrong.connect(), (error) => error.code === '28P01');
  }
  console.log('auth-node: all checks passed');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
