import Synchronization

/// Replaces registered secrets (webhook codes, tokens, passwords) with `[redacted]` in every log line.
///
/// Register a secret as soon as it is read from configuration or the database; ``JSONLogHandler`` runs every
/// message and metadata value through ``redact(_:)`` before writing, so a secret that slips into an error message
/// or a URL still never reaches the logs. Secrets shorter than ``minimumLength`` are ignored: redacting a short
/// string would garble unrelated text and protects nothing.
package final class SecretRedactor: Sendable {
    /// The placeholder written instead of a secret.
    package static let placeholder = "[redacted]"
    /// Shorter strings are not registered.
    package static let minimumLength = 4
    /// The redactor every handler uses unless given another.
    package static let shared = SecretRedactor()

    private let secrets = Mutex<[String]>([])

    package init() {}

    /// Adds a secret; longer secrets are replaced first so one secret containing another is fully hidden.
    package func register(_ secret: String) {
        guard secret.count >= Self.minimumLength else { return }
        secrets.withLock { list in
            guard !list.contains(secret) else { return }
            list.append(secret)
            list.sort { $0.count > $1.count }
        }
    }

    /// Registers the secret parts of a Bitrix24 incoming-webhook URL (`https://host/rest/<user>/<code>/`): the
    /// code, and the whole URL.
    package func register(webhookURL: String) {
        register(webhookURL)
        let components = webhookURL.split(separator: "/").map(String.init)
        if let rest = components.firstIndex(of: "rest"), components.count > rest + 2 {
            register(components[rest + 2])
        }
    }

    /// Whether anything is registered.
    package var isEmpty: Bool {
        secrets.withLock { $0.isEmpty }
    }

    /// `text` with every registered secret replaced by ``placeholder``.
    package func redact(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        var result = text
        for secret in list where result.contains(secret) {
            result = result.split(separator: secret, omittingEmptySubsequences: false)
                .joined(separator: Self.placeholder)
        }
        return result
    }
}
