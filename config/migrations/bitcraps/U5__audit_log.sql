-- Undoes V5.
DROP TABLE audit_log;
