-- Fields a stage requires (seed §2.9: crm.item.fields does not describe per-stage requirements). An operator declares
-- them with `syncctl portal stage-fields`; a worker learns one when the portal refuses a write that entered the
-- stage with CRM_FIELD_ERROR_REQUIRED. Either way the next change entering the stage without the field is refused
-- before the portal call, with the stage and the field named.
CREATE TABLE IF NOT EXISTS stage_requirements (
    portal text NOT NULL,
    entity_type_id int NOT NULL,
    stage_id text NOT NULL,
    field text NOT NULL,
    source text NOT NULL CHECK (source IN ('declared', 'learned')),
    noted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, entity_type_id, stage_id, field)
);
