-- Fencing tokens are random, not a counter (issue 12, problem 2).
--
-- A claim used to set `fence = fence + 1`. Claims commit with `synchronous_commit = off`
-- (store/deliveries.rs explains why), so a database crash can lose a claim whose answer
-- an instance already acted on. The row then still holds the old fence, and the next
-- claim computes the same `fence + 1` again: the instance holding the lost claim would see
-- its stale result (or release) applied to someone else's claim. A fence drawn at random
-- from 2^63 values does not depend on the row's state, so a lost claim's number is not
-- handed out again (two draws collide with odds of about 2^-53, a double's precision).
-- Every statement that revokes or takes a claim draws a new one through this function, so
-- the rule lives in one place.
--
-- Version 5: versions 3 and 4 are reserved for migrations being written alongside this one.
create function taskshed_new_fence() returns bigint
    language sql volatile parallel safe
    as $$ select (random() * 9223372036854775807)::bigint $$;
