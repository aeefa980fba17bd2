-- Undoes V1.
DROP TABLE transactions;
DROP TABLE bets;
DROP TABLE games;
DROP TABLE users;
