/// An error answer exactly as a Bitrix24 portal sends it: `{"error": CODE, "error_description": TEXT}`
/// with the HTTP status the portal uses for that code.
package struct PortalError: Error, Sendable, Equatable {
    /// The wire value of `error`; opaque so new codes never break a `switch`.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        /// Text sent in the `error` key (may be empty: legacy `crm.deal.*` does that).
        package let rawValue: String

        package init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        package var description: String { rawValue }

        package static let queryLimitExceeded = Code("QUERY_LIMIT_EXCEEDED")
        package static let operationTimeLimit = Code("OPERATION_TIME_LIMIT")
        package static let internalServerError = Code("INTERNAL_SERVER_ERROR")
        package static let noAuthFound = Code("NO_AUTH_FOUND")
        package static let invalidCredentials = Code("INVALID_CREDENTIALS")
        package static let expiredToken = Code("expired_token")
        package static let invalidToken = Code("invalid_token")
        package static let methodNotFound = Code("ERROR_METHOD_NOT_FOUND")
        package static let notFound = Code("NOT_FOUND")
        package static let invalidArgValue = Code("INVALID_ARG_VALUE")
        package static let fieldRequired = Code("CRM_FIELD_ERROR_REQUIRED")
        package static let fieldValueNotValid = Code("CRM_FIELD_ERROR_VALUE_NOT_VALID")
        package static let batchLengthExceeded = Code("ERROR_BATCH_LENGTH_EXCEEDED")
        package static let batchMethodNotAllowed = Code("ERROR_BATCH_METHOD_NOT_ALLOWED")
        package static let eventNotFound = Code("ERROR_EVENT_NOT_FOUND")
        package static let handlerAlreadyExists = Code("ERROR_HANDLER_ALREADY_EXIST")
        package static let codeEmpty = Code("CODE_EMPTY")
        package static let argument = Code("ERROR_ARGUMENT")
        package static let legacy = Code("")
        package static let wrongAuthType = Code("WRONG_AUTH_TYPE")
        package static let invalidGrant = Code("invalid_grant")
        package static let invalidClient = Code("invalid_client")
        package static let invalidRequest = Code("invalid_request")
    }

    package let code: Code
    package let message: String
    /// HTTP status of the answer that carries this error.
    package let status: Int

    package init(_ code: Code, _ message: String, status: Int) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// The JSON body `{"error": ..., "error_description": ...}`.
    package var body: JSONValue {
        ["error": .string(code.rawValue), "error_description": .string(message)]
    }

    // MARK: The documented system errors (`_includes/system-errors.md`).

    package static let queryLimitExceeded = PortalError(.queryLimitExceeded, "Too many requests", status: 503)
    package static let operationTimeLimit = PortalError(
        .operationTimeLimit,
        "Method is blocked due to operation time limit.",
        status: 429
    )
    package static let internalServerError = PortalError(.internalServerError, "Internal server error", status: 500)
    package static let noAuthFound = PortalError(.noAuthFound, "Wrong authorization data", status: 401)
    package static let invalidCredentials = PortalError(.invalidCredentials, "Invalid request credentials", status: 401)
    package static let expiredToken = PortalError(.expiredToken, "The access token provided has expired", status: 401)
    package static let invalidToken = PortalError(.invalidToken, "The access token provided is invalid", status: 401)
    package static let methodNotFound = PortalError(.methodNotFound, "Method not found!", status: 404)

    // MARK: Method-level errors.

    package static let itemNotFound = PortalError(.notFound, "Item not found", status: 400)
    package static let typeNotFound = PortalError(.notFound, "SPA not found", status: 400)

    /// `CRM_FIELD_ERROR_REQUIRED` with the caption in the documented sentence.
    package static func fieldRequired(_ title: String) -> PortalError {
        PortalError(.fieldRequired, "The \"\(title)\" field is required", status: 400)
    }

    /// A filter, order or parameter the method does not accept.
    package static func invalidArgument(_ message: String) -> PortalError {
        PortalError(.invalidArgValue, message, status: 400)
    }

    /// Legacy `crm.deal.*` errors carry an empty `error` code.
    package static func legacy(_ message: String) -> PortalError {
        PortalError(.legacy, message, status: 400)
    }
}
