-- Undoes V2.
DROP TABLE peer_connections;
