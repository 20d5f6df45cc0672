-- Flow control per callback (issue 13): how many attempts may be in flight to a callback
-- over all instances together, how many may start per period, and the shared state that
-- adapts to the receiver (effective concurrency, a Retry-After hold).
--
-- * `max_concurrency` and the optional rate limit are what the user registered; they live
--   on `callbacks` with their other settings.
-- * `callback_flow` is what the engine learns, kept apart from `callbacks` so that writing
--   it (after every finished batch) never touches, locks or re-versions the registration
--   row, and a re-registration never resets what was learnt. A missing row means nothing
--   was learnt (full concurrency, no hold); the first result that changes something
--   creates it, and it goes with its callback.
-- * The rate limit is a slot schedule: `next_start` is the earliest instant the next
--   attempt may start; each claimed attempt takes the next slot, `per / requests` apart.
alter table callbacks
    add column max_concurrency integer not null default 100
        check (max_concurrency between 1 and 10000),
    add column rate_requests integer check (rate_requests between 1 and 100000),
    add column rate_per_us bigint check (rate_per_us > 0),
    add constraint callbacks_rate_limit_pair
        check ((rate_requests is null) = (rate_per_us is null));

create table callback_flow (
    name                  text primary key references callbacks (name) on delete cascade,
    effective_concurrency double precision not null default 1e9
                          check (effective_concurrency >= 1),
    held_until            timestamptz,
    next_start            timestamptz,
    updated_at            timestamptz not null default now()
);

