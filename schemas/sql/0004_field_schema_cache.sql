-- crm.item.fields per portal and entity type. Refreshed on app install and update and when a write fails on a
-- field mismatch; used as is when crm.item.fields is unavailable (capability matrix fallback cached_schema).
CREATE TABLE field_schema_cache (
    portal text NOT NULL,
    entity_type_id int NOT NULL,
    -- The "fields" object of crm.item.fields (useOriginalUfNames=N), including isReadOnly and stage requirements.
    fields jsonb NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, entity_type_id)
);
