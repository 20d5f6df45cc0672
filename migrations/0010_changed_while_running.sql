-- A change to a task whose attempt is in flight waits for that attempt (issue 12, problem 4).
--
-- PATCH (of `run_at` or `kwargs`), `execution-times` and replace used to re-arm a
-- `running` task at once: status back to `scheduled`, claim revoked. If its HTTP attempt
-- was already in flight, the task could be claimed and sent again while the first request
-- was still open — two overlapping attempts of one task, which API.md rules out.
--
-- Now such a change writes the new values into the row but leaves the claim alone
-- (`running`, same holder, fence and lease) and sets this flag. The holder's finish
-- statement sees it and, instead of applying the attempt's outcome to the task, re-arms
-- the task as the change left it (the attempt is still recorded in the history). A claim
-- not yet sent is dropped by its holder (revalidation treats a flagged claim as changed)
-- and handed back. Every statement that returns a task to `scheduled` clears the flag.
--
-- A column with a constant default: added without rewriting the table.
alter table tasks add column changed_while_running boolean not null default false;

-- The finish statement looks up which of its rows carry the flag; this index holds only
-- those rows (almost always none), so the lookup costs the hot path next to nothing.
create index tasks_changed_while_running_idx on tasks (task_id) where changed_while_running;
