-- Undoes V4.
DROP TABLE player_statistics;
DROP TABLE game_statistics;
