-- The ledger: every event of every stream, appended and never changed.
-- SQLite has one writer at a time, so positions become visible in order and the global read
-- order is simply `position` (see ADR 0002).
create table events (
    position integer primary key autoincrement,
    event_id text not null,
    stream text not null,
    -- 1 for a stream's first event, then 2, 3, ... without holes.
    version integer not null,
    event_type text not null,
    -- The schema version the data was written in; readers upcast older ones.
    schema_version integer not null,
    -- JSON text.
    data text not null,
    actor text not null,
    channel text not null,
    correlation_id text not null,
    causation_id text,
    -- RFC 3339 UTC with microseconds, e.g. 2026-12-04T10:00:00.000001Z, so text order is time order.
    occurred_at text not null,
    recorded_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- SHA-256 over the stream's previous hash and this event's canonical bytes.
    hash blob not null,
    -- Guards optimistic concurrency: one event per stream version.
    constraint events_stream_version_key unique (stream, version),
    constraint events_event_id_key unique (event_id),
    constraint events_version_positive check (version > 0),
    constraint events_hash_length check (length(hash) = 32)
);

-- One row per stream: its current version and the hash of its last event.
create table streams (
    stream text primary key,
    version integer not null,
    last_hash blob
);

-- Idempotent appends: the first request with a key records its fingerprint and outcome.
create table idempotency_keys (
    key text primary key,
    -- SHA-256 of the request content as the caller defines it.
    fingerprint blob not null,
    -- JSON text.
    outcome text,
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The ledger is append-only: refuse updates and deletes of events at the database level.
create trigger events_refuse_update before update on events
begin
    select raise(abort, 'the event ledger is append-only');
end;

create trigger events_refuse_delete before delete on events
begin
    select raise(abort, 'the event ledger is append-only');
end;
