-- Sign-in sessions of staff users and customers. Sessions are not events: signing in and out
-- changes nobody's permissions, and a token must be revocable at once (ADR 8).
create table sessions (
    -- SHA-256 of the session token, hex; the token itself is only ever held by the client.
    token_hash text primary key,
    -- Whose session: a staff user (`staff`) or a portal customer (`customer`).
    principal_kind text not null check (principal_kind in ('staff', 'customer')),
    -- The staff user's or customer's id (hyphenated UUID).
    principal_id text not null,
    -- Times are RFC 3339 text in UTC with microseconds (fixed width, so text order is time
    -- order), as in the read models, so the API runs the same statements on both backends.
    created_at text not null,
    -- A session is refused from this moment on (same format).
    expires_at text not null,
    -- Set when the holder signs out; a revoked session is refused.
    revoked_at text
);
-- Finds a principal's sessions, e.g. to end them all.
create index sessions_principal on sessions (principal_kind, principal_id);
