-- BitCraps V7: operational metrics and health checks.
CREATE TABLE performance_metrics (
    id BIGSERIAL PRIMARY KEY,
    metric_name TEXT NOT NULL,
    metric_value DOUBLE PRECISION NOT NULL,
    labels JSONB,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_performance_metrics_name_recorded_at ON performance_metrics (metric_name, recorded_at);

CREATE TABLE system_health (
    id BIGSERIAL PRIMARY KEY,
    component TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('healthy', 'degraded', 'unhealthy')),
    cpu_percent REAL,
    memory_bytes BIGINT,
    active_connections INTEGER,
    checked_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_system_health_component_checked_at ON system_health (component, checked_at);
