-- The fleet-wide control switch (syncctl pause / resume, and the rollback trigger of seed §1): one row, read by
-- every replica about once a second, so that the whole fleet stops and starts taking messages together.
CREATE TABLE IF NOT EXISTS fleet_control (
    id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    -- An operator's pause: every consumer stops taking messages.
    paused bool NOT NULL DEFAULT false,
    pause_reason text,
    paused_at timestamptz,
    paused_by text,
    -- The rollback trigger: write workers stop taking write messages until someone resumes.
    tripped bool NOT NULL DEFAULT false,
    trip_reason text,
    tripped_at timestamptz,
    -- The last resume: the rollback window counts only outcomes after it, so old failures do not re-trip at once.
    resumed_at timestamptz,
    resumed_by text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO fleet_control (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

-- Who paused, tripped and resumed the fleet, and why: the audit trail behind syncctl status.
CREATE TABLE IF NOT EXISTS fleet_control_events (
    id bigserial PRIMARY KEY,
    action text NOT NULL CHECK (action IN ('pause', 'resume', 'trip')),
    reason text,
    actor text,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
