-- Undoes V6.
DROP TABLE staking;
DROP TABLE token_transfers;
DROP TABLE token_balances;
