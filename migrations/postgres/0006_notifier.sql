-- The notifier (ADR 12): where it stands in the ledger, the mail it owes, and the server secret
-- that welcome links are derived from.

-- The notifier's own checkpoint, apart from the projections' so that a rebuild never moves it.
-- One row, named 'notifier', written in the same transaction as the outbox rows of the events
-- it passed.
create table notifier_checkpoint (
    name text primary key,
    -- The last event decided on: (transaction id, position), as for projections (ADR 2).
    commit_id bigint not null default 0,
    position bigint not null default 0,
    -- Bumped by every instance that becomes active; only the holder may move the checkpoint.
    fence bigint not null default 0,
    updated_at timestamptz not null default now()
);

-- A ledger that already holds events when the notifier arrives starts at its head: history is
-- never mailed, and every event appended from now on is (ADR 12). Only transactions older than
-- every running one count, so an append still in flight is after the checkpoint, not lost.
insert into notifier_checkpoint (name, commit_id, position)
select 'notifier',
       coalesce((select transaction_id::text::bigint
                 from events
                 where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                 order by transaction_id desc, position desc
                 limit 1), 0),
       coalesce((select position
                 from events
                 where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                 order by transaction_id desc, position desc
                 limit 1), 0);

-- The outbox: one row per mail owed, keyed by (event, recipient, template) so that deciding an
-- event twice cannot owe a mail twice. The message is rendered when the row is written, from
-- the state at the event's position; the sender only delivers it.
-- Times are Unix milliseconds so that the same statements run on both backends.
create table outbox (
    -- A hex digest of the key; also the local part of the Message-ID and the .eml file name.
    id text primary key,
    event_id text not null,
    -- Who it is for: staff:<uuid> or customer:<uuid> (an id, never the address).
    recipient text not null,
    -- incident_logged, customer_update, customer_notification or welcome.
    template text not null,
    -- The event's global position, so older mail goes first.
    position bigint not null,
    message_id text not null,
    -- The address of the moment of the event.
    to_address text not null,
    subject text not null,
    body_text text not null,
    body_html text not null,
    -- pending: to deliver; sent: accepted by the server or written to a file; parked: refused
    -- for good, waiting for an admin.
    status text not null default 'pending',
    attempts bigint not null default 0,
    -- How many of the attempts failed temporarily and were tried again.
    retries bigint not null default 0,
    -- Temporary failures since the mail was last put in line (by the notifier or an admin's
    -- retry); the backoff and the limit after which it is parked count these.
    failures bigint not null default 0,
    next_attempt_at bigint not null,
    -- The last failure, in words (the server's reply), never the message.
    last_error text,
    created_at bigint not null,
    sent_at bigint,
    -- Each mail is owed once.
    constraint outbox_key unique (event_id, recipient, template),
    constraint outbox_status_known check (status in ('pending', 'sent', 'parked'))
);

-- Serves the sender's question: which pending mail is due, oldest first.
create index outbox_due_idx on outbox (status, next_attempt_at, position);

-- Secrets the server generates for itself on first use, e.g. the key welcome-link tokens are
-- derived from. Never logged, never returned by the API.
create table server_secrets (
    name text primary key,
    -- Hex-encoded random bytes.
    secret text not null,
    created_at timestamptz not null default now()
);
