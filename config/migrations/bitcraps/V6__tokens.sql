-- BitCraps V6: token balances, transfers between players, and staking.
CREATE TABLE token_balances (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    balance BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
    locked_balance BIGINT DEFAULT 0 CHECK (locked_balance >= 0),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE token_transfers (
    id BIGSERIAL PRIMARY KEY,
    from_user_id TEXT NOT NULL REFERENCES users (id),
    to_user_id TEXT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    memo TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (from_user_id <> to_user_id)
);
CREATE INDEX idx_token_transfers_from_user_id ON token_transfers (from_user_id);
CREATE INDEX idx_token_transfers_to_user_id ON token_transfers (to_user_id);

CREATE TABLE staking (
    id BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    reward_rate NUMERIC(8, 4) NOT NULL DEFAULT 0.05,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unlocking', 'withdrawn')),
    staked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    unlock_at TIMESTAMPTZ
);
CREATE INDEX idx_staking_user_id ON staking (user_id);
