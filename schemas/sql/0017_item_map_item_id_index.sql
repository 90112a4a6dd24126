-- The unique index that finds an item by its portal id was led by (portal, entity_type_id). With statistics from
-- before a burst of writes, the planner used it for look-ups by originId too, filtering every item of the portal
-- for each one looked up (close to a second per batch at 10,000 items). Led by item_id, it serves only look-ups by
-- the portal's id, and look-ups by originId take the primary key.
ALTER TABLE item_map DROP CONSTRAINT IF EXISTS item_map_portal_entity_type_id_item_id_key;
ALTER TABLE item_map ADD CONSTRAINT item_map_item_id_key UNIQUE (item_id, portal, entity_type_id);
