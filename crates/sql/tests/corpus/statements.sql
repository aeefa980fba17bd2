-- Round-trip corpus: every entry (entries are separated by blank lines) must parse, print,
-- and parse back to an equal tree.

SELECT 1

SELECT 1 + 2 * 3, -2 ^ 2, (1 + 2) * 3, 10 - 2 - 3, 2 ^ 3 ^ 2, - -1, -(1), +1, 2 - -1, - - x

SELECT a OR b AND c, NOT a = b, NOT NOT a, a AND (b OR c), (a OR b) AND c

SELECT a = b IS NULL, a IS NULL = b, x IS NOT NULL IS TRUE, a ISNULL, b NOTNULL, c IS UNKNOWN, d IS NOT FALSE

SELECT 1 < 2 BETWEEN false AND true, x NOT BETWEEN a + 1 AND b * 2 AND y, x BETWEEN ASYMMETRIC 1 AND 2

SELECT a LIKE 'x%', a NOT LIKE 'y' ESCAPE '!', a ILIKE b || '%', a NOT ILIKE 'z'

SELECT a IN (1, 2, 3), a NOT IN ('x'), a IN (SELECT b FROM t), a NOT IN (VALUES (1), (2)), (a, b) IN ((1, 2), (3, 4))

SELECT a = ANY (ARRAY[1, 2]), a <> ALL (SELECT b FROM t), a < SOME ($1::int[]), a = ANY ($1) = true

SELECT EXISTS (SELECT 1), NOT EXISTS (SELECT 1 FROM t WHERE t.a = u.a), NOT EXISTS (SELECT 1) = true

SELECT 'a' || 'b' || 1 + 2, a ~ 'x', a ~* 'x', a !~ 'x', a !~* 'x', j -> 'k', j ->> 'k', j -> 0 -> 1

SELECT a & b, a | b, a # b, a << 2, a >> 1, 1 + 2 << 3

SELECT x::text, x::int::text, CAST(x AS numeric(10, 2)), CAST(-1 AS int), '{1,2}'::int[], x::double precision, x::timestamp with time zone, x::varchar(3)[]

SELECT a[1], a[1][2], (a)[1], a[i + 1]::int, (f(x))[1], $1[2], (SELECT ARRAY[1])[1]

SELECT a COLLATE "C", a COLLATE pg_catalog."default", a || b COLLATE "C"

SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE x WHEN 1 THEN 'one' END, CASE WHEN a IS NULL THEN NULL END

SELECT ARRAY[1, 2], ARRAY[[1, 2], [3, 4]], ARRAY[]::int[], ROW(1, 'a'), ROW(), ROW(1), (1, 2)

SELECT ARRAY(SELECT a FROM t ORDER BY a), array_to_string(ARRAY(SELECT b FROM u), ',')

SELECT timestamp '2020-01-01', TIMESTAMP WITH TIME ZONE '2020-01-01 00:00+02', time '12:00', interval '1 day', date '2020-01-01', int4 '5', double precision '1.5', varchar(3) 'abc', numeric(5, 2) '1.5', uuid 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', N'national', pg_catalog.date 'x', "MyType" 'v'

SELECT 'it''s', E'tab\there', $$dollar 'quoted'$$, $tag$with $$ inside$tag$, 'line one'
  'line two', '', ' '

SELECT 1, 1.5, .5, 1., 1e10, 1.5E-3, 00012, -2147483648, 9223372036854775808

SELECT $1, $2::text, $10 + 1

SELECT count(*), count(DISTINCT a), count(ALL a), sum(x) FILTER (WHERE x > 0), string_agg(a, ',' ORDER BY b DESC NULLS LAST, c)

SELECT rank() OVER (), rank() OVER (PARTITION BY a ORDER BY b), sum(x) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), sum(x) OVER (RANGE 5 PRECEDING), sum(x) OVER (GROUPS BETWEEN 1 PRECEDING AND 2 FOLLOWING), count(*) FILTER (WHERE a) OVER (PARTITION BY b)

SELECT EXTRACT(year FROM ts), extract('Epoch' FROM ts), EXTRACT(DAY FROM now()), POSITION('b' IN 'abc'), POSITION(a || b IN c), position(x = 1 IN y)

SELECT SUBSTRING(s FROM 2 FOR 3), substring(s FOR 3), substring(s FROM 2), substring(s, 1, 2), TRIM(s), TRIM(BOTH 'x' FROM s), trim(leading 'x' from s), trim(trailing from s), trim(from s, 'x'), OVERLAY(s PLACING 'x' FROM 2 FOR 1), overlay(s placing 'y' from 1)

SELECT COALESCE(a, b, 0), NULLIF(a, 0), GREATEST(1, 2), LEAST(a, b), GROUPING(a, b)

SELECT CURRENT_DATE, CURRENT_TIME, CURRENT_TIME(2), CURRENT_TIMESTAMP, current_timestamp(3), LOCALTIME, LOCALTIMESTAMP, LOCALTIMESTAMP(0), CURRENT_USER, SESSION_USER, USER, CURRENT_ROLE, CURRENT_CATALOG, current_schema, current_schema()

SELECT ts AT TIME ZONE 'UTC', ts AT TIME ZONE 'UTC' AT TIME ZONE 'Europe/Paris', left('abc', 2), right('abc', 1), pg_catalog.now(), "Quoted Func"(1), s.f(1)

SELECT c.relname OPERATOR(pg_catalog.~) '^(customer)$' COLLATE pg_catalog.default, a OPERATOR(=) b, a OPERATOR(pg_catalog.+) 1

SELECT name, key, value, type, level, user_id, count, "timestamp", position, data, text, date, action, comment, version, year FROM t

SELECT t.name, s.t.c, "T"."Mixed Case", t.select, t.from FROM s.t AS t

SELECT a, b AS x, c y, 1 value, t.*, *, s.t.* FROM t

SELECT 1 and, 2 is, 3 like, 4 in, 5 between, 6 not, 7 collate, 8 AS from, 9 AS "Mixed"

SELECT FROM t

SELECT

SELECT DISTINCT a FROM t

SELECT DISTINCT ON (a, b) a, b, c FROM t ORDER BY a, b, c DESC

SELECT ALL a FROM t

SELECT a, count(*) FROM t WHERE a > 1 GROUP BY a HAVING count(*) > 2

SELECT * FROM a, b AS bb (x, y) NATURAL JOIN c LEFT OUTER JOIN d ON d.id = c.id RIGHT JOIN e USING (id, k) FULL JOIN f ON true CROSS JOIN g INNER JOIN h ON true JOIN (i JOIN j ON i.x = j.x) ON true

SELECT * FROM a NATURAL LEFT JOIN b NATURAL RIGHT JOIN c NATURAL FULL JOIN d

SELECT * FROM ((a JOIN b ON true) JOIN c ON true)

SELECT * FROM (SELECT 1) AS s, LATERAL (VALUES (1, 2)) v (a, b), generate_series(1, 10) AS g(i), pg_catalog.unnest($1) u, LATERAL f(s.x) AS z

SELECT * FROM ONLY t, u *

SELECT * FROM (SELECT 1 UNION SELECT 2) AS x, ((SELECT 1)) AS y, (VALUES (1)) AS z (c)

SELECT a FROM t ORDER BY a DESC NULLS FIRST, b ASC, c NULLS LAST LIMIT 10 OFFSET 5 FOR UPDATE OF t NOWAIT FOR SHARE SKIP LOCKED

SELECT 1 OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY

SELECT 1 FETCH NEXT ROW ONLY

SELECT 1 LIMIT ALL

SELECT 1 OFFSET 1 LIMIT 2 FOR KEY SHARE

SELECT 1 FOR NO KEY UPDATE LIMIT 1

SELECT 1 FOR READ ONLY

SELECT 1 LIMIT $1 OFFSET $2

SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT ALL SELECT 4

SELECT 1 UNION ALL SELECT 2 UNION DISTINCT SELECT 3 ORDER BY 1 LIMIT 1

(SELECT 1 ORDER BY 1 LIMIT 1) UNION (SELECT 2) ORDER BY 1

((SELECT 1))

VALUES (1, 'a'), (2, 'b') ORDER BY 1

VALUES (1) UNION VALUES (2)

TABLE t

TABLE s.t UNION TABLE u

SELECT ((SELECT 1) UNION SELECT 2), ((SELECT 1)), (SELECT max(a) FROM t) + 1, ((SELECT 1) + 1)

WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 5), u AS MATERIALIZED (SELECT 2), v AS NOT MATERIALIZED (SELECT 3) SELECT * FROM t, u, v

WITH x AS (SELECT 1 AS a) SELECT a FROM x WHERE a IN (WITH y AS (SELECT 1) SELECT * FROM y)

SELECT DEFAULT

INSERT INTO t VALUES (1)

INSERT INTO s.t AS x (a, b) VALUES (1, DEFAULT), ($1, 'b') ON CONFLICT (a) DO UPDATE SET b = excluded.b, c = DEFAULT WHERE x.b <> 'z' RETURNING a, x.*

INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING

INSERT INTO t (a) VALUES (1) ON CONFLICT (a, b) DO NOTHING RETURNING *

INSERT INTO t DEFAULT VALUES

INSERT INTO t DEFAULT VALUES RETURNING id

INSERT INTO t SELECT * FROM u

INSERT INTO t (SELECT 1)

INSERT INTO t (a) (SELECT 1 UNION SELECT 2)

INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x

INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)

UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2

UPDATE ONLY t AS x SET a = a + 1, b = DEFAULT, (c, d) = (1, DEFAULT), (e) = ROW(2) FROM u WHERE u.id = x.id RETURNING *

UPDATE t x SET a = 1

UPDATE t SET a = (SELECT max(b) FROM u) WHERE CURRENT_USER = 'x'

DELETE FROM t AS x USING u, v WHERE x.a = u.a RETURNING x.a

DELETE FROM t

DELETE FROM ONLY t WHERE a IN (SELECT a FROM u)

CREATE TABLE t (a int)

CREATE TABLE IF NOT EXISTS public.orders (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, customer_id int CONSTRAINT fk REFERENCES customer (id) ON DELETE CASCADE ON UPDATE SET NULL, note varchar(20) NULL DEFAULT 'none' CHECK (note <> ''), total numeric(12, 2) NOT NULL DEFAULT 0 UNIQUE, created timestamp with time zone DEFAULT now() NOT NULL, tags text[], CONSTRAINT pk2 UNIQUE (customer_id, note), CHECK (total >= 0), FOREIGN KEY (customer_id) REFERENCES customer (id) ON DELETE RESTRICT, PRIMARY KEY (id)) WITH (fillfactor = 90)

CREATE TABLE t (id serial PRIMARY KEY, a int GENERATED ALWAYS AS IDENTITY, b int DEFAULT -1, c int DEFAULT 1 + 2 * 3 NOT NULL, d boolean DEFAULT true, e text DEFAULT 'x' || 'y', f int REFERENCES u ON DELETE SET DEFAULT ON UPDATE NO ACTION, g int CONSTRAINT positive CHECK (g > 0) NO INHERIT, h date DEFAULT CURRENT_DATE, i int DEFAULT (1 + 2), j int UNIQUE NOT DEFERRABLE INITIALLY IMMEDIATE REFERENCES u INITIALLY IMMEDIATE)

CREATE UNLOGGED TABLE t (a int) WITH (fillfactor = 100, autovacuum_enabled = false) TABLESPACE pg_default

CREATE TABLE t ()

CREATE TABLE t (c int, a int, CONSTRAINT p PRIMARY KEY (a, c) WITH (fillfactor = 80) USING INDEX TABLESPACE x, UNIQUE (c), FOREIGN KEY (a, c) REFERENCES u (x, y) MATCH SIMPLE ON UPDATE CASCADE ON DELETE SET NULL)

create table pgbench_history(tid int,bid int,aid int,delta int,mtime timestamp,filler char(22))

CREATE TABLE sqla_item ( id SERIAL NOT NULL, name VARCHAR(50), PRIMARY KEY (id) )

CREATE TABLE types (a int2, b int4, c int8, d float4, e float8, f float(10), g float(30), h real, i double precision, j numeric, k decimal(5), l dec, m bool, n varchar, o char, p character(2), q national character varying(3), r nchar(4), s bit(3), t bit varying(5), u time(3) with time zone, v timestamp without time zone, w timestamptz(2), x interval(6), y int[][], z int ARRAY, aa int ARRAY[4], bb pg_catalog.text, cc bpchar, dd "char", ee jsonb, ff bytea, gg uuid, hh bigserial, ii serial4)

DROP TABLE t

DROP TABLE IF EXISTS a, s.b CASCADE

DROP TABLE t RESTRICT

DROP INDEX CONCURRENTLY IF EXISTS ix

DROP INDEX a, b CASCADE

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY public.t USING btree (a DESC, lower(b), (a + b) NULLS FIRST) WITH (fillfactor = 70) TABLESPACE x

CREATE INDEX ON t (a)

CREATE INDEX ix ON t USING hash (a)

CREATE INDEX ix ON t (pg_catalog.lower(b) ASC NULLS LAST)

BEGIN

BEGIN WORK

BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE

START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ WRITE NOT DEFERRABLE

BEGIN ISOLATION LEVEL READ COMMITTED

BEGIN ISOLATION LEVEL READ UNCOMMITTED

COMMIT

COMMIT WORK AND NO CHAIN

END TRANSACTION

ROLLBACK

ABORT WORK

ROLLBACK TRANSACTION AND NO CHAIN

SET TRANSACTION ISOLATION LEVEL REPEATABLE READ

SET TRANSACTION READ ONLY

SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE

SET search_path TO "$user", public

SET LOCAL statement_timeout = 0

SET SESSION extra_float_digits = -3

SET extra_float_digits = +3

SET application_name = 'pgjdbc'

SET enable_seqscan TO off

SET standard_conforming_strings = on

SET x = true

SET y = false

SET work_mem TO DEFAULT

SET myapp.user_id = 42

SET float_param = 1.5e3

SET TIME ZONE 'UTC'

SET TIME ZONE LOCAL

SET TIME ZONE DEFAULT

SET TIME ZONE -5

SET TIME ZONE europe_paris

SET NAMES 'UTF8'

SET NAMES DEFAULT

SET SCHEMA 'app'

SET ROLE admin

SET ROLE NONE

SET SESSION AUTHORIZATION DEFAULT

SET datestyle = 'ISO', 'MDY'

SHOW TRANSACTION ISOLATION LEVEL

SHOW standard_conforming_strings

SHOW TIME ZONE

SHOW ALL

SHOW "DateStyle"

SHOW SESSION AUTHORIZATION

SHOW myapp.setting

RESET ALL

RESET search_path

RESET TIME ZONE

RESET TRANSACTION ISOLATION LEVEL

EXPLAIN SELECT 1

EXPLAIN ANALYZE VERBOSE UPDATE t SET a = 1

EXPLAIN (ANALYZE, COSTS OFF, FORMAT TEXT, BUFFERS true, TIMING 0) DELETE FROM t

EXPLAIN (ANALYZE false) INSERT INTO t VALUES (1)

EXPLAIN (SELECT 1)

EXPLAIN ANALYSE WITH x AS (SELECT 1) SELECT * FROM x

CHECKPOINT

SELECT 1; SELECT 2;; ;

SELECT 'ünïcödé', "ÜNÏ", été FROM "tâble"

SELECT a FROM t WHERE a = 1 AND b = 2 AND c = 3 AND d = 4 AND e = 5 AND f = 6 AND g = 7 AND h = 8 AND i = 9 AND j = 10 AND k = 11 AND l = 12 AND m = 13 AND n = 14 AND o = 15 AND p = 16 AND q = 17 AND r = 18 OR s = 19 OR t = 20

ALTER TABLE t ADD COLUMN c integer DEFAULT 0 NOT NULL

ALTER TABLE IF EXISTS s.t ADD COLUMN IF NOT EXISTS c text, DROP COLUMN IF EXISTS d CASCADE

ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0), ADD PRIMARY KEY (a, b)

ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL

ALTER TABLE t DROP CONSTRAINT IF EXISTS t_a_check, ALTER COLUMN a SET DEFAULT now()

ALTER TABLE t ALTER COLUMN a DROP DEFAULT, ALTER COLUMN b SET NOT NULL, ALTER COLUMN c DROP NOT NULL

ALTER TABLE t RENAME COLUMN a TO b

ALTER TABLE t RENAME CONSTRAINT a TO b

ALTER TABLE t RENAME TO u

TRUNCATE TABLE a, b RESTART IDENTITY CASCADE

CREATE VIEW v (a, b) AS SELECT x, y FROM t WHERE x > 1

CREATE OR REPLACE VIEW s.v AS SELECT 1

DROP VIEW IF EXISTS v, w CASCADE

CREATE SCHEMA IF NOT EXISTS app

DROP SCHEMA app CASCADE

CREATE SEQUENCE IF NOT EXISTS s AS integer INCREMENT BY -2 MINVALUE -100 NO MAXVALUE START WITH -1 CACHE 1 NO CYCLE OWNED BY t.a

CREATE SEQUENCE s CYCLE NO MINVALUE MAXVALUE 10 OWNED BY NONE

DROP SEQUENCE s

CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5), b bigserial)

SAVEPOINT a

RELEASE SAVEPOINT a

ROLLBACK TO SAVEPOINT a

PREPARE q (integer, text) AS SELECT $1, $2

PREPARE r AS INSERT INTO t VALUES ($1) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b

EXECUTE q(1, 'a')

EXECUTE r

DEALLOCATE q

DEALLOCATE ALL

INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING

INSERT INTO t (id, v) OVERRIDING SYSTEM VALUE VALUES (1, 'a')

INSERT INTO t OVERRIDING USER VALUE SELECT * FROM u

SELECT u.x, u.n FROM unnest($1) WITH ORDINALITY AS u(x, n), generate_series(1, 3) WITH ORDINALITY
