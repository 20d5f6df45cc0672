-- What every claim looks up besides the due tasks: the callbacks it must leave out
-- (disabled, rate-limited for the plain claim, held by a `Retry-After`) and whether any
-- callback has a rate limit (which claim statement to run).
--
-- Without these, each of those questions is a sequential scan of `callbacks` or
-- `callback_flow`: a few microseconds with a handful of callbacks, but a service with one
-- callback per customer has thousands, and a claim runs several times a second. Measured
-- with EXPLAIN ANALYZE at 10,000 callbacks (BENCHMARKS.md, "Flow control"): the claim took
-- twice as long as with one callback. These partial indexes hold only the rows that
-- match, normally none, so they cost nothing to keep and answer each question with one
-- index probe.
create index callbacks_disabled_idx on callbacks (name) where disabled_at is not null;
create index callbacks_rate_limited_idx on callbacks (name) where rate_requests is not null;
create index callback_flow_held_idx on callback_flow (held_until) where held_until is not null;
