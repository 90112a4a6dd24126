/// An automation rule as a portal admin would configure it: when an item enters `stageId`,
/// set `fields` after `delayMilliseconds` (the change bumps `updatedTime` and fires the update event).
package struct RobotRule: Sendable, Equatable {
    package var entityTypeId: Int
    package var stageId: String
    /// camelCase field → new value.
    package var fields: [JSONMember]
    package var delayMilliseconds: Int

    package init(entityTypeId: Int, stageId: String, fields: [JSONMember], delayMilliseconds: Int) {
        self.entityTypeId = entityTypeId
        self.stageId = stageId
        self.fields = fields
        self.delayMilliseconds = delayMilliseconds
    }

    /// Reads `{"entityTypeId": 2, "stageId": "WON", "fields": {"title": "x"}, "delayMs": 100}`.
    package init?(json: JSONValue) {
        guard let entityTypeId = json["entityTypeId"]?.intValue, let stageId = json["stageId"]?.stringValue else {
            return nil
        }
        self.init(
            entityTypeId: entityTypeId,
            stageId: stageId,
            fields: json["fields"]?.members ?? [],
            delayMilliseconds: json["delayMs"]?.intValue ?? 0
        )
    }

    package var json: JSONValue {
        [
            "entityTypeId": .int(entityTypeId), "stageId": .string(stageId), "fields": .object(fields),
            "delayMs": .int(delayMilliseconds),
        ]
    }
}
