-- Places (issue 13, second design): a callback's `max_concurrency` is divided among the
-- instances that deliver to it as leased *places*. An instance holds a row here per
-- callback it is sending to: how many places it holds (`places`), how many it would use
-- (`wanted`), how many are carrying a request right now (`in_use`, as of its last
-- renewal) and until when the lease holds. Each request holds one of its instance's
-- places while it is open; the sum of live `places` never exceeds the callback's limit
-- (`store::places` says why), so the receiver never sees more requests than that.
-- A row whose lease ran out (its instance died or lost the database) counts for nothing.
create table callback_places (
    name        text not null references callbacks (name) on delete cascade,
    instance    text not null,
    places      integer not null check (places >= 0),
    wanted      integer not null check (wanted >= 0),
    in_use      integer not null check (in_use >= 0),
    lease_until timestamptz not null,
    primary key (name, instance)
);

-- Every callback has its flow row from now on (the registration writes it), so a claim
-- can lock a rate-limited callback's slot schedule with `for update` instead of locking
-- the callback itself for a whole transaction.
insert into callback_flow (name)
select name from callbacks
on conflict (name) do nothing;
