-- Issue 16. A callback's kwargs contract: an optional JSON Schema (draft 2020-12) that
-- every task's `kwargs` must satisfy when the task is created or its kwargs changed.
--
-- * `json`, not `jsonb`: the schema is shown back exactly as registered (key order and
--   all), like task kwargs. The service compiles it once per text and caches the result,
--   so its bytes are also what the cache compares.
-- * Checked only at write time, by the service: changing or removing a schema leaves the
--   tasks already stored as they are (a CHECK here would reject old rows on update).
alter table callbacks add column kwargs_schema json;

-- Bulk retry (`POST /v1/tasks/retry`, issue 16) by callback, optionally within a window of
-- failure times: without it, re-arming one callback's failed tasks reads the whole table.
-- (By task ids or group, the primary key and tasks_group_idx already serve it.)
create index tasks_failed_idx on tasks (callback, finished_at) where status = 'failed';
