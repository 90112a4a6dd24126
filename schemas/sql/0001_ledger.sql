-- The idempotency ledger: one row per idempotency key (the contract's key parts, see schemas/contract.json).
-- A worker writes the row's outcome in the same transaction that decides it, and acknowledges the RabbitMQ
-- message only after that commit, so a redelivered message finds its key and is not applied twice.
CREATE TABLE sync_ledger (
    idempotency_key text PRIMARY KEY,
    -- event = the gateway's intake of a Bitrix24 event (DESIGN.md's event-intake row).
    operation text NOT NULL CHECK (operation IN ('pull', 'upsert', 'delete', 'event')),
    portal text NOT NULL,
    entity_type_id int NOT NULL,
    -- The ERP's id (originId on deals, xmlId on smart processes); null for pulls of items the ERP never sent.
    origin_id text,
    -- The portal's item id, once known.
    item_id bigint,
    -- in_progress: the portal call may have happened; on redelivery the item is looked up by originId before
    -- writing again (exactly-once effect). stale: older than the newest change applied for the key.
    -- superseded: a newer change for the same item was applied first. dead: sent to the dead-letter queue.
    status text NOT NULL CHECK (status IN ('in_progress', 'done', 'stale', 'superseded', 'failed', 'dead')),
    attempts int NOT NULL DEFAULT 0,
    payload_hash text,
    changed_at timestamptz,
    message_id text,
    trace_id text,
    error_code text,
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Finds the newest applied change of an item (stale detection) and an in_progress key's item on redelivery.
CREATE INDEX sync_ledger_item_idx ON sync_ledger (portal, entity_type_id, origin_id);

-- The rollback trigger reads write outcomes (upsert, delete) of the last 15 minutes across all replicas.
CREATE INDEX sync_ledger_operation_updated_idx ON sync_ledger (operation, updated_at);
