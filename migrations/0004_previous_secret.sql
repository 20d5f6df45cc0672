-- Secret rotation: the secret a callback had before `rotate-secret`, kept until its grace
-- period ends so receivers can switch over without missing a delivery.
--
-- * While `previous_expires_at` is in the future every delivery is signed with both
--   secrets (new first). The store compares it with `now()` when it reads the callback —
--   the database clock decides, as it does for due times — so delivery needs no clock of
--   its own beyond not signing with a cached copy after the expiry it was given.
-- * Both columns are set together or not at all; an expired pair is left in place (it is
--   never read) and overwritten by the next rotation, rather than cleaned up by a job.
alter table callbacks
    add column previous_secret     text,
    add column previous_expires_at timestamptz,
    add constraint callbacks_previous_secret_pair
        check ((previous_secret is null) = (previous_expires_at is null));
