-- Undoes V3.
DROP TABLE consensus_votes;
DROP TABLE consensus_rounds;
