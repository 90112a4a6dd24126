-- Deletes the ERP sent, by item: upserts and deletes travel in different queues, so a delete can be applied before
-- an older upsert of the same item arrives; the tombstone makes that upsert stale instead of re-creating the item.
CREATE TABLE item_tombstones (
    portal text NOT NULL,
    entity_type_id int NOT NULL,
    origin_id text NOT NULL,
    -- The changedAt of the newest delete: an upsert older than this is stale.
    deleted_changed_at timestamptz NOT NULL,
    item_id bigint,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, entity_type_id, origin_id)
);
