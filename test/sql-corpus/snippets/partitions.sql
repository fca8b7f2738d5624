-- snippet: attach partition without check
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
-- snippet: attach partition with matching check
ALTER TABLE metrics ATTACH PARTITION metrics_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
-- snippet: create partition next to default partition
CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
-- snippet: create partition without default partition
CREATE TABLE metrics_2026 PARTITION OF metrics FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
-- snippet: create default partition
CREATE TABLE metrics_default PARTITION OF metrics DEFAULT;
-- snippet: detach partition
ALTER TABLE events DETACH PARTITION events_2024;
-- snippet: detach partition concurrently
ALTER TABLE metrics DETACH PARTITION metrics_2024 CONCURRENTLY;
-- snippet: add check to partition not valid
ALTER TABLE events_2025 ADD CONSTRAINT events_2025_bound CHECK (happened_at >= '2025-01-01' AND happened_at < '2026-01-01') NOT VALID;
-- snippet: attach after check in same transaction
ALTER TABLE events_2025 ADD CONSTRAINT events_2025_bound CHECK (happened_at >= '2025-01-01' AND happened_at < '2026-01-01');
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
-- snippet: create partitioned table
CREATE TABLE logs (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE logs_2026 PARTITION OF logs FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
