package import AMQPClient
import Bitrix24
package import FleetRuntime
import Foundation
package import SyncCore

/// Turns a consumed message into a ``ChangeCandidate``, or says why it cannot be one: bad JSON, a schema
/// violation, the wrong operation for this queue, an unknown portal or entity, a portal that lacks a capability the
/// write needs (held, not rejected), or fields the portal would not take.
package struct ChangeDecoder: Sendable {
    /// The error code of a message held because its portal lacks a capability the write needs.
    package static let capabilityMissing = "CAPABILITY_MISSING"

    package let contract: IntegrationContract
    package let schema: JSONSchemaValidator
    package let portals: PortalDirectory
    package let fieldSchemas: FieldSchemaCache
    /// Each portal's write plan (seed §3); the processors read the same cache.
    package let capabilities: CapabilityCache
    /// The operation this queue carries (`upsert` or `delete`).
    package let operation: ERPChange.Operation

    package init(
        contract: IntegrationContract,
        schema: JSONSchemaValidator,
        portals: PortalDirectory,
        fieldSchemas: FieldSchemaCache,
        capabilities: CapabilityCache,
        operation: ERPChange.Operation
    ) {
        self.contract = contract
        self.schema = schema
        self.portals = portals
        self.fieldSchemas = fieldSchemas
        self.capabilities = capabilities
        self.operation = operation
    }

    package func decode(_ delivery: AMQPDelivery) async -> Result<ChangeCandidate, ChangeRejection> {
        do {
            return .success(try await candidate(from: delivery))
        } catch let rejection as ChangeRejection {
            return .failure(rejection)
        } catch {
            return .failure(ChangeRejection(code: "internal", message: "\(error)", isTransient: true))
        }
    }

    private func candidate(from delivery: AMQPDelivery) async throws -> ChangeCandidate {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: delivery.body)
        } catch {
            throw ChangeRejection(code: "invalid_json", message: "the message is not JSON: \(error)")
        }
        let violations = schema.validate(document)
        guard violations.isEmpty else {
            let text = violations.prefix(10).map(\.description).joined(separator: "; ")
            throw ChangeRejection(code: "schema", message: "the message breaks \(ERPChange.schemaName): \(text)")
        }
        let change = try ERPChange.decode(from: document)
        guard change.op == operation else {
            throw ChangeRejection(
                code: "wrong_queue",
                message: "an '\(change.op.rawValue)' change arrived on the \(operation.rawValue) queue; publish it "
                    + "with routing key \(change.entity).\(change.op.rawValue)"
            )
        }
        guard let portal = try await portals.connection(for: change.portal) else {
            if let registration = try await portals.registration(for: change.portal), registration.enabled {
                // Registered as an OAuth application whose tokens have not arrived yet: keep the work.
                throw ChangeRejection(
                    code: "PORTAL_NOT_READY",
                    message: "portal '\(change.portal)' has no usable credentials yet (an OAuth portal gets its tokens "
                        + "with the install event); the message waits",
                    isTransient: true,
                    holdMilliseconds: 600_000
                )
            }
            throw ChangeRejection(
                code: "unknown_portal",
                message: "portal '\(change.portal)' is not registered (or is disabled); register it with "
                    + "syncctl portal add"
            )
        }
        guard let mapping = contract.entity(named: change.entity),
            let entityTypeId = portal.entityTypeId(for: change.entity)
        else {
            throw ChangeRejection(
                code: "unknown_entity",
                message: "entity '\(change.entity)' is not mapped for portal '\(change.portal)'; known: "
                    + portal.registration.entityTypes.keys.sorted().joined(separator: ", ")
            )
        }
        let plan: WritePlan
        do {
            plan = try await capabilities.plan(for: portal)
        } catch let error as Bitrix24Error {
            // The portal's own answer (a 503, QUERY_LIMIT_EXCEEDED, a timeout) is what the retry and the dead letter
            // should name.
            throw ChangeRejection(
                code: error.reportedCode,
                message: "the capability check (scope, method.get) of '\(change.portal)' failed: \(error.message)",
                isTransient: true
            )
        } catch {
            throw ChangeRejection(
                code: "capability_check_failed",
                message: "the capability check (scope, method.get) of '\(change.portal)' failed: \(error)",
                isTransient: true
            )
        }
        if let blocker = plan.blocker(for: operation, entityTypeId: entityTypeId) {
            throw ChangeRejection(
                code: Self.capabilityMissing,
                message: blocker,
                holdMilliseconds: CapabilityCache.holdMilliseconds
            )
        }
        // crm.item.fields does not describe the legacy bridge's deals: the portal itself checks legacy writes.
        if operation == .upsert, plan.route == .itemAPI, let fields = change.fields?.objectValue {
            let schemaFields: JSONObject
            do {
                schemaFields = try await fieldSchemas.fields(of: portal, entityTypeId: entityTypeId)
            } catch {
                throw ChangeRejection(
                    code: "fields_unavailable",
                    message: "crm.item.fields could not be read and no cached schema exists: \(error)",
                    isTransient: true
                )
            }
            let problems = FieldValidation.problems(of: fields, against: schemaFields, entity: change.entity)
            guard problems.isEmpty else {
                throw ChangeRejection(code: "invalid_fields", message: problems.joined(separator: "; "))
            }
        }
        let key: IdempotencyKey?
        if operation == .upsert {
            key = try contract.upsertKey(for: change, entityTypeId: entityTypeId)
        } else {
            key = try change.id.map { id throws(ContractError) in
                try contract.deleteKey(portal: change.portal, entityTypeId: entityTypeId, id: id, opType: "delete")
            }
        }
        return ChangeCandidate(
            delivery: delivery,
            change: change,
            portal: portal,
            mapping: mapping,
            entityTypeId: entityTypeId,
            key: key,
            attempt: MessageHeaders.attempt(of: delivery.properties),
            traceID: Self.traceID(of: delivery, change: change)
        )
    }

    /// A W3C trace id (what `b24.change.v1` requires): the `x-trace-id` header when it is one, else the message id
    /// as 32 hex digits (an ERP message carries a UUID and no trace header), else a new one.
    static func traceID(of delivery: AMQPDelivery, change: ERPChange) -> String {
        let candidates = [MessageHeaders.traceID(of: delivery.properties), change.messageId]
        for candidate in candidates.compactMap({ $0 }) {
            let digits = candidate.lowercased().filter { $0 != "-" }
            if TraceID.isValid(digits) { return digits }
        }
        return TraceID.random()
    }
}
