/// One REST method invocation after the transport was decoded and authenticated.
package struct MethodCall: Sendable {
    /// Lower-case method name (`crm.item.list`).
    package var method: String
    package var parameters: JSONValue
    /// The user the call runs as (webhook creator or token owner).
    package var userId: Int
    /// True for OAuth (application) calls, false for inbound webhooks.
    package var isApplication: Bool
    /// Unix seconds at the start of the call.
    package var now: Double

    package init(method: String, parameters: JSONValue, userId: Int, isApplication: Bool, now: Double) {
        self.method = method
        self.parameters = parameters
        self.userId = userId
        self.isApplication = isApplication
        self.now = now
    }

    /// A parameter by name, case-sensitive first, then case-insensitive (PHP handlers often read both spellings).
    package subscript(_ name: String) -> JSONValue? {
        if let value = parameters[name] { return value }
        let lower = name.lowercased()
        return parameters.members.first { $0.key.lowercased() == lower }?.value
    }

    /// `useOriginalUfNames=Y`.
    package var usesOriginalUserFieldNames: Bool {
        self["useOriginalUfNames"]?.stringValue?.uppercased() == "Y"
    }
}

/// A method's payload plus the list keys the envelope lifts to the top level.
package struct MethodAnswer: Sendable {
    package var result: JSONValue
    package var total: Int?
    package var next: Int?

    package init(_ result: JSONValue, total: Int? = nil, next: Int? = nil) {
        self.result = result
        self.total = total
        self.next = next
    }
}

/// Every method the simulator implements, by lower-case name.
package enum MethodCatalog {
    package typealias Handler = @Sendable (MethodCall, inout PortalState) throws(PortalError) -> MethodAnswer

    package static let handlers: [String: Handler] = {
        var all: [String: Handler] = [:]
        all.merge(ItemMethods.handlers) { first, _ in first }
        all.merge(DealLegacyMethods.handlers) { first, _ in first }
        all.merge(EventMethods.handlers) { first, _ in first }
        all.merge(SystemMethods.handlers) { first, _ in first }
        return all
    }()

    /// True when the portal offers `method` (implemented and not disabled on this portal). `batch` included.
    package static func isAvailable(_ method: String, on configuration: PortalConfiguration) -> Bool {
        (handlers[method] != nil || method == "batch") && !configuration.disabledMethods.contains(method)
    }
}
