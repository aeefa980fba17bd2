\set id random(1, 100000)
\set hot random(1, 10)
\set other :client_id + 1 + 8 * random(0, 100000 / 8 - 1)
BEGIN;
UPDATE soak SET counter = counter + 1, pad = md5(random()::text) || repeat('y', 68) WHERE id = :id;
UPDATE soak SET counter = counter + 1 WHERE id = :hot;
DELETE FROM soak WHERE id = :other;
INSERT INTO soak VALUES (:other, 0, repeat('z', 100));
END;
