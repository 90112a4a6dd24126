-- Operators and tools look messages up by their id (ledger show, the load generator's progress): without this
-- index every such look-up reads the whole ledger.
CREATE INDEX sync_ledger_message_idx ON sync_ledger (message_id);
