-- snippet: vacuum full
VACUUM FULL audit_log;
-- snippet: vacuum
VACUUM audit_log;
-- snippet: vacuum analyze
VACUUM (ANALYZE) orders;
-- snippet: analyze
ANALYZE users;
-- snippet: cluster
CLUSTER users USING users_created_at_idx;
-- snippet: cluster on
ALTER TABLE users CLUSTER ON users_created_at_idx;
-- snippet: refresh materialized view
REFRESH MATERIALIZED VIEW user_stats;
-- snippet: refresh materialized view concurrently
REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats;
-- snippet: reindex table
REINDEX TABLE orders;
-- snippet: reindex index
REINDEX INDEX users_created_at_idx;
-- snippet: reindex concurrently
REINDEX INDEX CONCURRENTLY users_created_at_idx;
-- snippet: set tablespace
ALTER TABLE audit_log SET TABLESPACE archive_space;
-- snippet: set unlogged
ALTER TABLE audit_log SET UNLOGGED;
-- snippet: set statistics
ALTER TABLE users ALTER COLUMN email SET STATISTICS 500;
-- snippet: set fillfactor
ALTER TABLE orders SET (fillfactor = 90);
-- snippet: set storage
ALTER TABLE audit_log ALTER COLUMN message SET STORAGE EXTERNAL;
-- snippet: replica identity full
ALTER TABLE orders REPLICA IDENTITY FULL;
-- snippet: create statistics
CREATE STATISTICS orders_user_status ON user_id, status FROM orders;
