-- Undoes V7.
DROP TABLE system_health;
DROP TABLE performance_metrics;
