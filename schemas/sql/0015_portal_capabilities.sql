-- The last capability check of each portal (seed §3: scope and method.get), shared by every replica so that a
-- fleet starting together asks a rate-limited portal once, not once per replica. The key includes the legacy
-- flag: re-registering a portal with or without crm_legacy_bridge changes what is asked.
CREATE TABLE IF NOT EXISTS portal_capabilities (
    portal text NOT NULL,
    legacy_bridge bool NOT NULL,
    scopes jsonb NOT NULL,
    methods jsonb NOT NULL,
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, legacy_bridge)
);
