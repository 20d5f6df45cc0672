-- API keys (API.md, "Access control").
--
-- Only the SHA-256 of a key is stored (`digest`, 64 lowercase hex characters): a leaked
-- table or backup gives nobody a working key, and a random 256-bit key needs no slow hash
-- (see src/domain/api_key.rs). `digest` is unique because it is how a request's key is
-- found, and so that `--admin-key` can insert "this key" idempotently from every instance
-- (`on conflict (digest)`).
--
-- A key is revoked by setting `revoked_at`, not by deleting the row: the row keeps who
-- had access until when, and a revoked digest can never be registered again by mistake.
-- `last_used_at` is written in batches by each instance (a few seconds late at most),
-- never once per request.
create table api_keys (
    id           text primary key,
    name         text not null check (length(name) between 1 and 100),
    digest       text not null unique check (digest ~ '^[0-9a-f]{64}$'),
    -- The scope names the service knows; an unknown one would be a key nobody can reason
    -- about, so the table refuses it as the API does.
    scopes       text[] not null check (
                     cardinality(scopes) > 0
                     and scopes <@ array['read', 'tasks', 'callbacks', 'admin']::text[]),
    expires_at   timestamptz,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- "Is any key live?" decides whether auth is enforced; every instance asks it about once
-- a second. Live keys are few, so a partial index over them keeps that question cheap
-- however many revoked keys accumulate.
create index api_keys_live_idx on api_keys (id) where revoked_at is null;
