-- The journal of syncctl's queue moves (drain, replay --from hold, dead replay): one row per message copy taken from
-- a source queue. A move records the row as 'publishing' before it publishes the new copy (stamped with new_copy in
-- its x-sync-copy-id header), marks it 'published' after the broker's confirm, and only then acknowledges the
-- original. A move interrupted at any point and run again therefore finds each message's fate here: 'published'
-- means the copy is safe and the original is only acknowledged; 'publishing' is resolved by looking for new_copy in
-- the target queue before anything is published again. Exactly once, without trusting the broker to de-duplicate.
CREATE TABLE IF NOT EXISTS queue_moves (
    source_queue text NOT NULL,
    -- The identity of the copy in the source: its x-sync-copy-id header (set by an earlier move), else its message
    -- id, else a digest of its body and headers.
    source_copy text NOT NULL,
    target_queue text NOT NULL,
    new_copy text NOT NULL,
    message_id text,
    state text NOT NULL CHECK (state IN ('publishing', 'published')),
    -- drain, replay or dead-replay, and the run that moved it, for the operator's audit.
    purpose text NOT NULL,
    run_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_queue, source_copy)
);

-- A run resolves the rows a killed run left 'publishing' before it moves anything.
CREATE INDEX IF NOT EXISTS queue_moves_publishing_idx ON queue_moves (source_queue) WHERE state = 'publishing';
