-- Where each projector stands in the ledger, written in the same transaction as its changes.
create table projection_checkpoints (
    name text primary key,
    -- The checkpoint: the last applied event's (transaction id, position); see ADR 2.
    commit_id bigint not null default 0,
    position bigint not null default 0,
    -- Bumped by every instance that becomes active and by every rebuild switch-over; an
    -- instance may only move the checkpoint while the fence is the one it took (ADR 7).
    fence bigint not null default 0,
    -- The rebuild generation of the live tables (index names carry it).
    generation bigint not null default 0,
    -- The read model's version; a different version in the code rebuilds on start.
    model_version bigint not null default 0,
    updated_at timestamptz not null default now()
);
