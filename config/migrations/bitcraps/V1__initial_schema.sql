-- BitCraps V1: players, games, bets and the token ledger.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT UNIQUE NOT NULL,
    public_key BYTEA NOT NULL,
    reputation REAL DEFAULT 0.0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    is_active BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE games (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES users (id),
    game_type TEXT NOT NULL DEFAULT 'craps',
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'active', 'completed', 'cancelled')),
    max_players INTEGER NOT NULL DEFAULT 8 CHECK (max_players > 0),
    pot_size BIGINT NOT NULL DEFAULT 0 CHECK (pot_size >= 0),
    winner_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at TIMESTAMPTZ
);
CREATE INDEX idx_games_created_at ON games (created_at);
CREATE INDEX idx_games_state_created_at ON games (state, created_at);
CREATE INDEX idx_games_host_id ON games (host_id);

CREATE TABLE bets (
    id BIGSERIAL PRIMARY KEY,
    game_id TEXT NOT NULL REFERENCES games (id) ON DELETE CASCADE,
    player_id TEXT NOT NULL REFERENCES users (id),
    bet_type TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    payout BIGINT CHECK (payout >= 0),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'won', 'lost', 'cancelled')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at TIMESTAMPTZ
);
CREATE INDEX idx_bets_game_id ON bets (game_id);
CREATE INDEX idx_bets_player_id ON bets (player_id);

CREATE TABLE transactions (
    id BIGSERIAL PRIMARY KEY,
    from_user_id TEXT REFERENCES users (id),
    to_user_id TEXT REFERENCES users (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    transaction_type TEXT NOT NULL,
    game_id TEXT REFERENCES games (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'completed',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_transactions_from_user_id ON transactions (from_user_id);
CREATE INDEX idx_transactions_to_user_id ON transactions (to_user_id);
CREATE INDEX idx_transactions_created_at ON transactions (created_at);
