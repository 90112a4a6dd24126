-- Which portal item belongs to which ERP id, and what the ERP last sent for it.
-- The map lets a delete or an update find the item without a portal search, orders changes by changedAt,
-- and gives the pull worker what it needs to compute drift (ERP-owned fields that changed on the portal).
CREATE TABLE item_map (
    portal text NOT NULL,
    entity_type_id int NOT NULL,
    origin_id text NOT NULL,
    item_id bigint NOT NULL,
    -- The changedAt of the newest ERP change applied: an older one is recorded as stale, never written.
    last_changed_at timestamptz,
    last_payload_hash text,
    -- The fields the ERP last sent (canonical JSON), the reference for drift.
    erp_fields jsonb,
    -- The item's updatedTime as the portal reported it, kept as text because it carries the portal's offset.
    portal_updated_time text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, entity_type_id, origin_id),
    -- One portal item maps to one ERP id: an echo of our own write resolves to the same row.
    UNIQUE (portal, entity_type_id, item_id)
);
