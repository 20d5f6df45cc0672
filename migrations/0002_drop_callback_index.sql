-- Drop the partial index on tasks(callback).
--
-- It served one rare question, "do unfinished tasks still use this callback?" when a
-- callback is deleted, but every task insert and every claim and finish (each a non-HOT
-- update that leaves or enters `status in ('scheduled', 'running')`) paid an extra index
-- entry for it. Measured with taskshed-bench (BENCHMARKS.md). Deleting a callback now
-- scans tasks until it finds a user, which is fine for an administrative operation.
drop index if exists tasks_callback_idx;
