-- The portal's side of the fleet (event gateway, pull worker, polling fallback, OAuth tokens).

-- Every Bitrix24 event the gateway accepted, keyed by its idempotency key (seed §5): a duplicate finds its row and
-- is not queued again. The row is written before the publish and marked once the broker confirmed it, so an event
-- the broker never confirmed (broker down, gateway killed) is still here, and the forwarder publishes it later:
-- Bitrix24 never resends an event.
CREATE TABLE IF NOT EXISTS event_intake (
    idempotency_key text PRIMARY KEY,
    portal text NOT NULL,
    routing_key text NOT NULL,
    -- The b24.event.v1 message as published (JSON text).
    body text NOT NULL,
    trace_id text NOT NULL,
    -- publishing: a request is publishing it now; parked: its retries ran out, the forwarder owns it;
    -- published: the broker confirmed it.
    status text NOT NULL DEFAULT 'publishing' CHECK (status IN ('publishing', 'parked', 'published')),
    attempts int NOT NULL DEFAULT 0,
    received_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);

CREATE INDEX IF NOT EXISTS event_intake_unpublished_idx ON event_intake (received_at) WHERE status <> 'published';

-- The last portal state the pull worker saw of each item, and whose it was: 'erp' when it is our own write (or a
-- robot's follow-up of it), 'portal' when someone on the portal changed it. Echo detection reads it.
CREATE TABLE IF NOT EXISTS portal_item_mirror (
    portal text NOT NULL,
    entity_type_id int NOT NULL,
    item_id bigint NOT NULL,
    origin_id text,
    fields jsonb NOT NULL,
    -- updatedTime as the portal wrote it (with its offset), and the same instant as a timestamp for comparisons.
    updated_time text NOT NULL,
    updated_at_portal timestamptz NOT NULL,
    changed_by text NOT NULL CHECK (changed_by IN ('erp', 'portal')),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, entity_type_id, item_id)
);

-- The polling fallback: one lease row per job, taken by one replica per interval, and a watermark per portal and
-- entity type (the newest updatedTime a poll has seen).
CREATE TABLE IF NOT EXISTS poll_lease (
    name text PRIMARY KEY,
    holder text,
    last_run_at timestamptz NOT NULL DEFAULT 'epoch'
);

CREATE TABLE IF NOT EXISTS poll_watermarks (
    portal text NOT NULL,
    entity_type_id int NOT NULL,
    watermark timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, entity_type_id)
);

-- OAuth portals: where to call them (client_endpoint from the install event), when the refresh token was last
-- used (single-use tokens: refreshed under the row lock), and whether the app was uninstalled (sync stops, queued
-- work waits).
ALTER TABLE portals ADD COLUMN IF NOT EXISTS client_endpoint text;
ALTER TABLE portals ADD COLUMN IF NOT EXISTS tokens_refreshed_at timestamptz;
ALTER TABLE portals ADD COLUMN IF NOT EXISTS token_refreshes int NOT NULL DEFAULT 0;
ALTER TABLE portals ADD COLUMN IF NOT EXISTS installed_at timestamptz;
ALTER TABLE portals ADD COLUMN IF NOT EXISTS uninstalled_at timestamptz;
