-- The ledger: every event of every stream, appended and never changed.
-- `position` is the event's global identity, taken from an identity sequence, so a rolled-back
-- append leaves a hole in the numbers; readers never wait for a hole to fill (see ADR 0002).
-- `transaction_id` records the writing transaction so that readers only pass transactions that
-- have finished: the global read order is (transaction_id, position).
create table events (
    position bigint generated always as identity primary key,
    transaction_id xid8 not null default pg_current_xact_id(),
    event_id uuid not null,
    stream text not null,
    -- 1 for a stream's first event, then 2, 3, ... without holes.
    version bigint not null,
    event_type text not null,
    -- The schema version the data was written in; readers upcast older ones.
    schema_version integer not null,
    data jsonb not null,
    actor text not null,
    channel text not null,
    correlation_id uuid not null,
    causation_id uuid,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(),
    -- SHA-256 over the stream's previous hash and this event's canonical bytes.
    hash bytea not null,
    -- Guards optimistic concurrency: one event per stream version.
    constraint events_stream_version_key unique (stream, version),
    constraint events_event_id_key unique (event_id),
    constraint events_version_positive check (version > 0),
    constraint events_hash_length check (octet_length(hash) = 32)
);

-- Serves the gap-safe read of all events from a checkpoint.
create index events_read_all_idx on events (transaction_id, position);

-- One row per stream: its current version and the hash of its last event.
-- Appenders lock this row, which orders concurrent appends to one stream without retries.
create table streams (
    stream text primary key,
    version bigint not null,
    last_hash bytea
);

-- Idempotent appends: the first request with a key records its fingerprint and outcome.
create table idempotency_keys (
    key text primary key,
    -- SHA-256 of the request content as the caller defines it.
    fingerprint bytea not null,
    outcome jsonb,
    created_at timestamptz not null default now()
);

-- The ledger is append-only: refuse updates and deletes of events at the database level.
-- Operators who must repair data disable the trigger knowingly; verify still checks the chain.
create function events_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'the event ledger is append-only';
end;
$$;

create trigger events_append_only
    before update or delete on events
    for each row execute function events_refuse_change();
