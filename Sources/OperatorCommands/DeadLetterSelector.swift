/// Which dead letters a `dead` subcommand acts on: every given criterion must match (exactly); none given selects
/// all.
package struct DeadLetterSelector: Sendable, Equatable {
    package var operation: String?
    package var portal: String?
    package var entity: String?
    package var originId: String?
    package var errorCode: String?
    package var messageID: String?

    package init(
        operation: String? = nil,
        portal: String? = nil,
        entity: String? = nil,
        originId: String? = nil,
        errorCode: String? = nil,
        messageID: String? = nil
    ) {
        self.operation = operation
        self.portal = portal
        self.entity = entity
        self.originId = originId
        self.errorCode = errorCode
        self.messageID = messageID
    }

    /// True when no criterion is given.
    package var isEmpty: Bool {
        [operation, portal, entity, originId, errorCode, messageID].allSatisfy { $0 == nil }
    }

    package func matches(_ letter: DeadLetter) -> Bool {
        Self.same(operation, letter.operation) && Self.same(portal, letter.portal)
            && Self.same(entity, letter.entity) && Self.same(originId, letter.originId)
            && Self.same(errorCode, letter.errorCode) && Self.same(messageID, letter.messageID)
    }

    private static func same(_ wanted: String?, _ actual: String?) -> Bool {
        wanted.map { $0 == actual } ?? true
    }
}
