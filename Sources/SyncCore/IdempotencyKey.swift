/// The ledger key of one unit of work, built from the contract's key parts so the key is what the contract says.
///
/// Form: `<operation>:<value>|<value>|…` with the values in the contract's part order (upsert:
/// `portal|entityTypeId|originId|payloadHash`). The operation prefix keeps rows of different operations apart in
/// the one ledger table; `%` and `|` inside a value are percent-encoded so two different value lists can never
/// produce the same key.
package struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    package let operation: SyncOperation
    /// The contract's part names, in order.
    package let parts: [String]
    /// The ledger's `idempotency_key`.
    package let rawValue: String

    /// Builds a key from `values` for the contract's `parts`.
    ///
    /// - Throws: ``ContractError`` with code `missingKeyPart` when the contract names a part `values` lacks
    ///   (the contract changed and the caller was not updated).
    package init(operation: SyncOperation, parts: [String], values: [String: String]) throws(ContractError) {
        var encoded: [String] = []
        for part in parts {
            guard let value = values[part] else {
                let supplied = values.keys.sorted().joined(separator: ", ")
                throw ContractError(
                    code: .missingKeyPart,
                    file: nil,
                    reason: "the \(operation.rawValue) key needs \"\(part)\" but only \(supplied) were given; "
                        + "update the key builder to the contract"
                )
            }
            encoded.append(Self.escape(value))
        }
        self.operation = operation
        self.parts = parts
        self.rawValue = operation.rawValue + ":" + encoded.joined(separator: "|")
    }

    package var description: String { rawValue }

    private static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "%" || $0 == "|" }) else { return value }
        return value.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "|", with: "%7C")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
