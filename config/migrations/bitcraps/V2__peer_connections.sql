-- BitCraps V2: the mesh's peer connections.
CREATE TABLE peer_connections (
    id BIGSERIAL PRIMARY KEY,
    peer_id TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    transport TEXT NOT NULL DEFAULT 'tcp' CHECK (transport IN ('tcp', 'bluetooth', 'udp')),
    connected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    disconnected_at TIMESTAMPTZ,
    bytes_sent BIGINT NOT NULL DEFAULT 0,
    bytes_received BIGINT NOT NULL DEFAULT 0,
    latency_ms INTEGER,
    UNIQUE (peer_id, connected_at)
);
CREATE INDEX idx_peer_connections_peer_id ON peer_connections (peer_id);
CREATE INDEX idx_peer_connections_user_id ON peer_connections (user_id);
