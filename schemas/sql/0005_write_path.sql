-- The per-portal request budget, shared by every replica on every host: a leaky bucket like the portal's own
-- (seed §8 I; bitrix24-rest.md §5.1), so that N replicas together stay under the portal's limit.
CREATE TABLE portal_request_budget (
    portal text PRIMARY KEY,
    -- Requests in the bucket after the last grant; it drains at the plan's rate.
    level double precision NOT NULL DEFAULT 0,
    drained_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- After a QUERY_LIMIT_EXCEEDED every replica waits until then, instead of each retrying blindly.
    blocked_until timestamptz
);

-- Methods the portal blocked with OPERATION_TIME_LIMIT, and until when (operating_reset_at).
CREATE TABLE portal_method_hold (
    portal text NOT NULL,
    method text NOT NULL,
    held_until timestamptz NOT NULL,
    PRIMARY KEY (portal, method)
);

-- One row per write attempt's outcome (add, update, delete), for the rollback trigger's sliding window
-- (seed §1: more than 3% failing over 15 minutes, across all replicas).
CREATE TABLE write_outcomes (
    id bigserial PRIMARY KEY,
    portal text NOT NULL,
    operation text NOT NULL,
    succeeded bool NOT NULL,
    error_code text,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX write_outcomes_recorded_idx ON write_outcomes (recorded_at);
