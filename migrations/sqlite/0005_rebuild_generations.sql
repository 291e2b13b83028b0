-- The last rebuild generation handed out: each rebuild claims the next one and fills tables
-- named after it, so two rebuilds at once never share tables (ADR 7).
alter table projection_checkpoints add column claimed_generation integer not null default 0;
