-- Incident references (`INC-<n>`): a write-side table, not a projection, never rebuilt (ADR 9).
-- The API reserves a number for an incident id before appending `incident.logged`, so numbers
-- are unique and handed out in order across processes, and a replayed request for the same
-- incident id gets the number it was given the first time. A failed append after a
-- reservation leaves a gap in the numbers.
create table incident_references (
    -- The `n` of `INC-n`; the primary key makes two processes that computed the same next
    -- number collide, and the loser reserves again.
    reference bigint primary key,
    -- The incident the number is reserved for (hyphenated UUID); unique, so reserving again
    -- for the same incident returns the number it already has.
    incident_id text not null unique,
    -- When the number was reserved: RFC 3339 UTC text with microseconds, as in `sessions`.
    reserved_at text not null,
    -- References start at 1 (`INC-0` is never one).
    constraint incident_references_positive check (reference > 0)
);
