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
