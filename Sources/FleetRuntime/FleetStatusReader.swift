package import CurlHTTP
import Foundation
package import PQClient
package import SyncCore

/// Gathers ``FleetStatus``: the control row and the ledger from PostgreSQL, the queues from the RabbitMQ
/// management API (`RABBITMQ_MANAGEMENT_URL`, e.g. `http://guest:guest@127.0.0.1:15682`) for the virtual host of
/// `AMQP_URL`. A broker that cannot be asked leaves the queues empty with the reason, never the whole report.
package struct FleetStatusReader: Sendable {
    package static let defaultManagementURL = "http://guest:guest@127.0.0.1:15682"

    private let pool: PQPool
    private let http: CurlHTTPClient
    private let managementURL: String
    private let virtualHost: String
    private let rollback: IntegrationContract.RollbackTrigger

    package init(
        pool: PQPool,
        http: CurlHTTPClient,
        managementURL: String,
        virtualHost: String,
        rollback: IntegrationContract.RollbackTrigger
    ) {
        self.pool = pool
        self.http = http
        self.managementURL = managementURL.hasSuffix("/") ? String(managementURL.dropLast()) : managementURL
        self.virtualHost = virtualHost
        self.rollback = rollback
    }

    package func read() async throws -> FleetStatus {
        let control = try await FleetControl(pool: pool).state()
        let window = try await RollbackWindow.read(policy: rollback, pool: pool)
        var operations = try await ledgerCounts()
        var queues: [FleetStatus.Queue] = []
        var unavailable: String?
        do {
            queues = try await fleetQueues()
        } catch {
            unavailable = "\(error)"
        }
        if unavailable == nil {
            for index in operations.indices {
                let dead = queues.first { $0.name == "sync.\(operations[index].operation).dead" }
                operations[index].deadQueued = dead?.messages ?? 0
            }
        }
        return FleetStatus(
            generatedAt: Date(),
            control: control,
            queues: queues,
            operations: operations,
            writeErrors: FleetStatus.WriteErrors(
                window: window,
                errorRate: window.errorRate,
                threshold: rollback.errorRate,
                minimumWrites: rollback.minimumWrites
            ),
            queuesUnavailable: unavailable
        )
    }

    /// Per operation: settled, retried, dead and pending changes, from the ledger.
    private func ledgerCounts() async throws -> [FleetStatus.Operation] {
        let rows = try await pool.query(
            """
            SELECT operation,
                   count(*) FILTER (WHERE status IN ('done', 'stale', 'superseded')) AS processed,
                   count(*) FILTER (WHERE attempts > 0) AS retried,
                   count(*) FILTER (WHERE status = 'dead') AS dead,
                   count(*) FILTER (WHERE status IN ('in_progress', 'failed')) AS pending
            FROM sync_ledger GROUP BY operation ORDER BY operation
            """
        )
        var counts = try rows.map { row in
            FleetStatus.Operation(
                operation: try row.decode(String.self, column: "operation"),
                processed: try row.decode(Int.self, column: "processed"),
                retried: try row.decode(Int.self, column: "retried"),
                dead: try row.decode(Int.self, column: "dead"),
                pending: try row.decode(Int.self, column: "pending")
            )
        }
        // The write operations always appear, also before their first change.
        for operation in ["upsert", "delete"] where !counts.contains(where: { $0.operation == operation }) {
            counts.append(FleetStatus.Operation(operation: operation, processed: 0, retried: 0, dead: 0, pending: 0))
        }
        return counts.sorted { $0.operation < $1.operation }
    }

    /// The `sync.*` queues of the virtual host, by name.
    private func fleetQueues() async throws -> [FleetStatus.Queue] {
        let encodedHost = virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? virtualHost
        let url =
            "\(managementURL)/api/queues/\(encodedHost)?columns=name,messages,messages_ready,"
            + "messages_unacknowledged,consumers,message_stats"
        let response = try await http.execute(HTTPRequest(method: .get, url: url), timeout: .seconds(10))
        guard response.status == 200 else {
            throw FleetConfigurationError(
                "the RabbitMQ management API answered \(response.status) for the queues of '\(virtualHost)'; check "
                    + "RABBITMQ_MANAGEMENT_URL and that the management plugin is on"
            )
        }
        let entries = try JSONDecoder().decode([ManagementQueue].self, from: Data(response.body))
        return entries.filter { $0.name.hasPrefix("sync.") }.map(\.status).sorted { $0.name < $1.name }
    }
}

/// One queue as `GET /api/queues/<vhost>` lists it (only the fields the report uses).
private struct ManagementQueue: Decodable {
    struct Stats: Decodable {
        struct Rate: Decodable {
            var rate: Double?
        }

        var publishDetails: Rate?
        var deliverGetDetails: Rate?
        var ackDetails: Rate?

        enum CodingKeys: String, CodingKey {
            case publishDetails = "publish_details"
            case deliverGetDetails = "deliver_get_details"
            case ackDetails = "ack_details"
        }
    }

    var name: String
    var messages: Int?
    var messagesReady: Int?
    var messagesUnacknowledged: Int?
    var consumers: Int?
    var messageStats: Stats?

    enum CodingKeys: String, CodingKey {
        case name, messages, consumers
        case messagesReady = "messages_ready"
        case messagesUnacknowledged = "messages_unacknowledged"
        case messageStats = "message_stats"
    }

    var status: FleetStatus.Queue {
        FleetStatus.Queue(
            name: name,
            messages: messages ?? 0,
            ready: messagesReady ?? 0,
            unacknowledged: messagesUnacknowledged ?? 0,
            consumers: consumers ?? 0,
            publishRate: messageStats?.publishDetails?.rate ?? 0,
            deliverRate: messageStats?.deliverGetDetails?.rate ?? 0,
            ackRate: messageStats?.ackDetails?.rate ?? 0
        )
    }
}
