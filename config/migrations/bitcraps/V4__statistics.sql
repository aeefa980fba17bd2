-- BitCraps V4: per-game and per-player statistics, updated as bets resolve.
CREATE TABLE game_statistics (
    game_id TEXT PRIMARY KEY REFERENCES games (id) ON DELETE CASCADE,
    total_bets INTEGER NOT NULL DEFAULT 0,
    total_wagered BIGINT NOT NULL DEFAULT 0,
    total_paid_out BIGINT NOT NULL DEFAULT 0,
    rolls INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE player_statistics (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    games_played INTEGER NOT NULL DEFAULT 0,
    games_won INTEGER NOT NULL DEFAULT 0,
    total_wagered BIGINT NOT NULL DEFAULT 0,
    total_won BIGINT NOT NULL DEFAULT 0,
    biggest_win BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_player_statistics_total_won ON player_statistics (total_won);
