-- BitCraps V3: consensus rounds over a game's state and the players' votes on them.
CREATE TABLE consensus_rounds (
    id BIGSERIAL PRIMARY KEY,
    game_id TEXT NOT NULL REFERENCES games (id) ON DELETE CASCADE,
    round_number INTEGER NOT NULL CHECK (round_number >= 0),
    proposer_id TEXT NOT NULL REFERENCES users (id),
    proposal_hash BYTEA NOT NULL,
    state TEXT NOT NULL DEFAULT 'proposed'
        CHECK (state IN ('proposed', 'committed', 'failed')),
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finalized_at TIMESTAMPTZ,
    UNIQUE (game_id, round_number)
);

CREATE TABLE consensus_votes (
    round_id BIGINT NOT NULL REFERENCES consensus_rounds (id) ON DELETE CASCADE,
    voter_id TEXT NOT NULL REFERENCES users (id),
    vote BOOLEAN NOT NULL,
    signature BYTEA NOT NULL,
    voted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, voter_id)
);
CREATE INDEX idx_consensus_votes_voter_id ON consensus_votes (voter_id);
