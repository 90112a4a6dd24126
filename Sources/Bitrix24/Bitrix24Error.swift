package import Foundation

/// A failed Bitrix24 call, classified by the portal's `error` code rather than the HTTP status (the docs and the
/// SDKs disagree on statuses; the code is what the portal means).
package struct Bitrix24Error: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; the write path decides retry, hold or dead letter from it.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case queryLimitExceeded, operationTimeLimit, expiredToken, authentication, accessDenied, notFound
            case methodNotFound, fieldRequired, invalidValue, invalidArgument, internalServerError, overloaded
            case portalMoved, portalDeleted, timeout, network, malformedResponse, other
        }
        private let kind: Kind

        /// HTTP 503 `QUERY_LIMIT_EXCEEDED`: the portal's request bucket is full; slow down and retry.
        package static let queryLimitExceeded = Code(kind: .queryLimitExceeded)
        /// HTTP 429 `OPERATION_TIME_LIMIT`: this method is blocked until `operating_reset_at`.
        package static let operationTimeLimit = Code(kind: .operationTimeLimit)
        /// HTTP 401 `expired_token` / `invalid_token`: refresh the OAuth token once, then call again.
        package static let expiredToken = Code(kind: .expiredToken)
        /// Wrong webhook code or credentials (`NO_AUTH_FOUND`, `INVALID_CREDENTIALS`, ...): fix the registration.
        package static let authentication = Code(kind: .authentication)
        /// `ACCESS_DENIED`, `insufficient_scope` and friends: the webhook or app lacks a permission.
        package static let accessDenied = Code(kind: .accessDenied)
        /// `NOT_FOUND`: the item (or the smart process) does not exist.
        package static let notFound = Code(kind: .notFound)
        /// `ERROR_METHOD_NOT_FOUND`: the portal does not offer this method.
        package static let methodNotFound = Code(kind: .methodNotFound)
        /// `CRM_FIELD_ERROR_REQUIRED`: a required (or stage-required) field is empty.
        package static let fieldRequired = Code(kind: .fieldRequired)
        /// `CRM_FIELD_ERROR_VALUE_NOT_VALID` or the numeric `100`: a field's value is not acceptable.
        package static let invalidValue = Code(kind: .invalidValue)
        /// `INVALID_ARG_VALUE`, `ERROR_ARGUMENT`, batch length and similar request mistakes.
        package static let invalidArgument = Code(kind: .invalidArgument)
        /// HTTP 500 `INTERNAL_SERVER_ERROR` / `ERROR_UNEXPECTED_ANSWER`: a write may or may not have happened.
        package static let internalServerError = Code(kind: .internalServerError)
        /// `OVERLOAD_LIMIT`: REST is blocked for the portal by Bitrix24; needs a person.
        package static let overloaded = Code(kind: .overloaded)
        /// HTTP 302: the portal was renamed; `location` names its new address.
        package static let portalMoved = Code(kind: .portalMoved)
        /// `PORTAL_DELETED`.
        package static let portalDeleted = Code(kind: .portalDeleted)
        /// The call did not finish within the client's timeout.
        package static let timeout = Code(kind: .timeout)
        /// The connection failed, was refused or dropped before an answer.
        package static let network = Code(kind: .network)
        /// The answer was not the JSON envelope a portal sends (an HTML error page from a proxy, say).
        package static let malformedResponse = Code(kind: .malformedResponse)
        /// Any other portal error code; ``Bitrix24Error/portalCode`` holds it.
        package static let other = Code(kind: .other)

        package var description: String { kind.rawValue }
    }

    package var code: Code
    /// The portal's `error` value as sent (`QUERY_LIMIT_EXCEEDED`, `""`, `"100"`), or nil for transport failures.
    package var portalCode: String?

    /// The code to report in a ledger row, a dead-letter header or a metric: the portal's own `error` when it sent
    /// one, else the client-side classification (`NETWORK`, `TIMEOUT`, …).
    package var reportedCode: String {
        portalCode.flatMap { $0.isEmpty ? nil : $0 } ?? code.description
    }
    /// The portal's `error_description`, or the transport's explanation.
    package var message: String
    /// The HTTP status, when an answer arrived.
    package var httpStatus: Int?
    /// For ``Code/operationTimeLimit``: when the method's budget frees up, if the portal said.
    package var operatingResetAt: Date?
    /// For ``Code/portalMoved``: the new address from the `Location` header.
    package var location: String?

    package init(
        code: Code,
        portalCode: String? = nil,
        message: String,
        httpStatus: Int? = nil,
        operatingResetAt: Date? = nil,
        location: String? = nil
    ) {
        self.code = code
        self.portalCode = portalCode
        self.message = message
        self.httpStatus = httpStatus
        self.operatingResetAt = operatingResetAt
        self.location = location
    }

    /// Classifies a portal error code (and its HTTP status, only where the code says nothing).
    package init(portalCode: String, description: String, httpStatus: Int?, operatingResetAt: Date? = nil) {
        self.init(
            code: Self.classify(portalCode: portalCode, httpStatus: httpStatus),
            portalCode: portalCode,
            message: description,
            httpStatus: httpStatus,
            operatingResetAt: operatingResetAt
        )
    }

    /// Whether this failure matches one of the contract's retryable-error tokens: `503` (the portal answered
    /// 503 or `QUERY_LIMIT_EXCEEDED`), `network` (no answer: connection failure or timeout), `timeout`, or a
    /// portal error code spelled as the portal does (`QUERY_LIMIT_EXCEEDED`).
    package func matches(retryableToken token: String) -> Bool {
        switch token.lowercased() {
        case "503": httpStatus == 503 || code == .queryLimitExceeded
        case "network": code == .network || code == .timeout
        case "timeout": code == .timeout
        default: portalCode?.caseInsensitiveCompare(token) == .orderedSame
        }
    }

    package var description: String {
        var text = "Bitrix24 \(code)"
        if let portalCode, !portalCode.isEmpty { text += " (\(portalCode))" }
        if let httpStatus { text += " HTTP \(httpStatus)" }
        text += ": \(message)"
        if let operatingResetAt { text += "; method blocked until \(operatingResetAt)" }
        return text
    }

    private static func classify(portalCode: String, httpStatus: Int?) -> Code {
        switch portalCode.uppercased() {
        case "QUERY_LIMIT_EXCEEDED": .queryLimitExceeded
        case "OPERATION_TIME_LIMIT": .operationTimeLimit
        case "EXPIRED_TOKEN", "INVALID_TOKEN": .expiredToken
        case "NO_AUTH_FOUND", "INVALID_CREDENTIALS", "AUTHORIZATION_ERROR", "WRONG_AUTH_TYPE": .authentication
        case "ACCESS_DENIED", "INSUFFICIENT_SCOPE", "USER_ACCESS_ERROR", "ALLOWED_ONLY_INTRANET_USER",
            "METHOD_CONFIRM_DENIED", "METHOD_CONFIRM_WAITING":
            .accessDenied
        case "NOT_FOUND", "ERROR_NOT_FOUND": .notFound
        case "ERROR_METHOD_NOT_FOUND": .methodNotFound
        case "CRM_FIELD_ERROR_REQUIRED": .fieldRequired
        case "CRM_FIELD_ERROR_VALUE_NOT_VALID", "100": .invalidValue
        case "INVALID_ARG_VALUE", "ERROR_ARGUMENT", "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_BATCH_METHOD_NOT_ALLOWED",
            "INVALID_REQUEST":
            .invalidArgument
        case "INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER": .internalServerError
        case "OVERLOAD_LIMIT": .overloaded
        case "PORTAL_DELETED": .portalDeleted
        default:
            switch httpStatus {
            case 503: .queryLimitExceeded
            case 500: .internalServerError
            case 404: .notFound
            default: .other
            }
        }
    }
}
