-- One psql session, run against PostgreSQL 15 and against db001 with the same flags; the
-- outputs must match line for line (after masking timings). Tables are created first so that
-- the describe commands have something to show.
CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) DEFAULT 0, note varchar(20));
CREATE INDEX accounts_owner ON accounts (owner);
CREATE TABLE events (at timestamptz NOT NULL, account integer, payload jsonb, tags text[], PRIMARY KEY (account, at));
CREATE TABLE transfers (id integer PRIMARY KEY, source integer NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, target integer REFERENCES accounts ON UPDATE SET NULL, amount integer CHECK (amount > 0), CONSTRAINT distinct_ends CHECK (source <> target));
INSERT INTO accounts VALUES (1, 'ann', 10.50, NULL), (2, 'bob', 3, 'vip');
\l
\dn
\dt
\di
\ds
\dv
\d
\d accounts
\d events
\d transfers
\d+ accounts
\du
\x
SELECT * FROM accounts ORDER BY id;
\x
\timing on
SELECT count(*) FROM accounts;
\timing off
\copy accounts TO STDOUT
\copy accounts (id, owner) TO STDOUT WITH (FORMAT csv, HEADER)
\copy accounts FROM 'accounts.csv' WITH (FORMAT csv)
SELECT id, owner, balance FROM accounts ORDER BY id;
\copy accounts FROM 'bad.csv' WITH (FORMAT csv)
SELECT count(*) FROM accounts;
