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
