-- The portal registry (syncctl portal add). A portal is identified by member_id because it can be renamed
-- (its old host then answers 302); domain is the name messages use.
CREATE TABLE portals (
    domain text PRIMARY KEY,
    member_id text UNIQUE,
    -- Incoming-webhook auth: https://<domain>/rest/<user>/<code>/; the code is a secret, never logged.
    webhook_url text,
    -- Bitrix24 sends it with every event; the gateway refuses events whose token differs.
    application_token text,
    -- OAuth (local application) credentials, used instead of webhook_url when set.
    client_id text,
    client_secret text,
    oauth_server text,
    access_token text,
    refresh_token text,
    access_expires_at timestamptz,
    -- A smart process's entityTypeId differs between portals, so the entity map is per portal.
    entity_types jsonb NOT NULL DEFAULT '{"deal":2,"service_ticket":1280}',
    -- Feature flag crm_legacy_bridge: crm.deal.* only for a portal without crm.item.* and only while this is on.
    legacy_bridge bool NOT NULL DEFAULT false,
    -- Rate limits differ by plan (Enterprise has a larger bucket; box has none of the cloud limits).
    plan text NOT NULL DEFAULT 'standard' CHECK (plan IN ('standard', 'enterprise', 'box')),
    enabled bool NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
