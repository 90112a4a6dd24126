import AMQPClient
import CurlHTTP
import FleetRuntime
import Foundation
import PQClient
import SyncCore
import TestSupport
import Testing

extension WritePathIntegration {
    /// Crash safety of the upsert worker (seed §6): a worker SIGKILLed at any point, between the portal call and the
    /// ledger commit included, leaves no duplicate item and no lost change once its messages are redelivered.
    @Suite("Upsert crash safety", .serialized, .timeLimit(.minutes(5)))
    struct CrashSafetyTests {
        static let epoch = 1_780_000_000.0
        /// ERP ids `D-1` … `D-700`; the first 150 get two updates each (300 updates), 1,000 changes in all.
        static let itemCount = 700
        static let updatedCount = 150
        static let workerCount = 2
        static let kills = 12

        /// One ERP change to publish: the item and its version (1 is the add; a higher version is newer).
        struct Change: Sendable {
            var originId: String
            var version: Int
            var title: String { "\(originId) v\(version)" }
        }

        /// The 1,000 changes in publish order: every add, then the second versions, then the third; a few pairs are
        /// swapped so that some updates arrive before the change they follow (those older changes must end stale).
        static func scenario() -> [Change] {
            var changes = (1...itemCount).map { Change(originId: "D-\($0)", version: 1) }
            for version in 2...3 {
                changes += (1...updatedCount).map { Change(originId: "D-\($0)", version: version) }
            }
            func swap(_ first: Change, _ second: Change) {
                guard
                    let left = changes.firstIndex(where: {
                        $0.originId == first.originId && $0.version == first.version
                    }),
                    let right = changes.firstIndex(where: {
                        $0.originId == second.originId && $0.version == second.version
                    })
                else { return }
                changes.swapAt(left, right)
            }
            for number in stride(from: 3, through: updatedCount, by: 15) {
                swap(Change(originId: "D-\(number)", version: 2), Change(originId: "D-\(number)", version: 3))
            }
            for number in stride(from: 640, through: itemCount, by: 20) {
                // An update of an item arriving before the item's add: the add must end stale, never overwrite it.
                let updated = number - 600
                swap(Change(originId: "D-\(updated)", version: 1), Change(originId: "D-\(updated)", version: 3))
            }
            return changes
        }

        @Test("SIGKILL of a worker in a loop during 1,000 changes: no duplicate, no loss")
        func killedWorkersLoseNothingAndDuplicateNothing() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await Self.makeSlowPortal(harness)
                let workers = try WorkerProcesses(
                    executableName: "upsert-worker",
                    environment: [
                        "AMQP_URL": harness.services.amqpURL,
                        "DATABASE_URL": harness.services.databaseURL,
                        "LOG_LEVEL": "warning", "WORKER_IN_FLIGHT_WINDOW_MS": "1500",
                        "SYNC_SCHEMAS_DIR": TestEnvironment.repositoryRoot.appendingPathComponent("schemas").path,
                    ]
                )
                do {
                    try await Self.runScenario(portal: portal, workers: workers, harness: harness)
                } catch {
                    workers.killAll()
                    Issue.record("worker logs are in \(workers.logFolder.path)")
                    throw error
                }
            }
        }

        /// Publishes the scenario while killing workers, waits for the last ones to finish, then checks the portal,
        /// the ledger and the queues.
        private static func runScenario(
            portal: String,
            workers: WorkerProcesses,
            harness: WritePathHarness
        ) async throws {
            let changes = scenario()
            for _ in 0..<workerCount { try workers.start() }

            let published = try await withThrowingTaskGroup(of: [String].self) { tasks in
                tasks.addTask {
                    // 1,000 changes in waves of 50 every 300 ms, so that the kills below land while work flows.
                    var messageIDs: [String] = []
                    for wave in stride(from: 0, to: changes.count, by: 50) {
                        for change in changes[wave..<min(wave + 50, changes.count)] {
                            messageIDs.append(
                                try await harness.publishChange(
                                    portal: portal,
                                    originId: change.originId,
                                    changedAt: epoch + Double(change.version),
                                    fields: ["title": .string(change.title)]
                                )
                            )
                        }
                        try await Task.sleep(for: .milliseconds(300))
                    }
                    return messageIDs
                }
                tasks.addTask {
                    for _ in 0..<kills {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 300...700)))
                        let killed = try await workers.killRandom()
                        #expect(killed != nil, "no worker was running to kill")
                        try workers.start()
                    }
                    return []
                }
                return try await tasks.reduce(into: []) { $0 += $1 }
            }
            #expect(published.count == changes.count)
            let expectedMessages = Set(published)

            let finalStatuses: Set<String> = ["done", "stale", "superseded"]
            try await harness.eventually("every change has a final ledger status", timeout: .seconds(120)) {
                let settled = try await harness.ledger(portal: portal).filter { finalStatuses.contains($0.status) }
                return expectedMessages.isSubset(of: Set(settled.compactMap(\.messageID)))
            }
            // Redelivered copies of settled messages may still wait in a hold queue: let the workers drain them.
            let queues = try queuesOfUpsert(harness)
            try await harness.eventually("the upsert queues are empty", timeout: .seconds(60)) {
                for queue in queues where try await harness.admin.declareQueuePassive(queue).messageCount > 0 {
                    return false
                }
                return true
            }
            let exits = try await workers.stopAll()
            #expect(exits.allSatisfy { $0 == 0 }, "a worker did not shut down cleanly on SIGTERM: \(exits)")

            try await expectOneItemPerOriginWithNewestTitle(portal: portal, changes: changes, harness: harness)
            let rows = try await harness.ledger(portal: portal)
            let unfinished = rows.filter { !finalStatuses.contains($0.status) }
            #expect(unfinished.isEmpty, "ledger rows left unfinished: \(unfinished.prefix(5))")
            let recorded = Set(rows.filter { finalStatuses.contains($0.status) }.compactMap(\.messageID))
            #expect(expectedMessages.isSubset(of: recorded), "changes without a final ledger row")
            // A worker stopped by SIGTERM returns what it had taken but not started (a redelivered copy it was
            // about to acknowledge without a portal call). What is left must be copies of settled changes only.
            for queue in queues {
                let left = try await harness.drain(queue)
                let unsettled = left.filter { !recorded.contains($0.properties.messageID ?? "") }
                #expect(unsettled.isEmpty, "\(unsettled.count) unsettled messages left in \(queue)")
            }
            #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty, "a change was dead-lettered")
            #expect(workers.startedCount == workerCount + kills)
        }

        /// Every ERP id has exactly one portal item, mapped in `item_map`, titled by its newest change.
        private static func expectOneItemPerOriginWithNewestTitle(
            portal: String,
            changes: [Change],
            harness: WritePathHarness
        ) async throws {
            var newestTitle: [String: (version: Int, title: String)] = [:]
            for change in changes where (newestTitle[change.originId]?.version ?? 0) < change.version {
                newestTitle[change.originId] = (change.version, change.title)
            }
            let items = harness.portals.items(on: portal)
            let byOrigin = Dictionary(grouping: items) { $0.originId ?? "" }
            let duplicated = byOrigin.filter { $0.value.count > 1 }.keys.sorted()
            #expect(duplicated.isEmpty, "ERP ids with more than one portal item: \(duplicated.prefix(10))")
            let missing = Set(newestTitle.keys).subtracting(byOrigin.keys).sorted()
            let unexpected = Set(byOrigin.keys).subtracting(newestTitle.keys).sorted()
            #expect(missing.isEmpty, "ERP ids with no portal item (lost changes): \(missing.prefix(10))")
            #expect(unexpected.isEmpty, "portal items of no ERP id: \(unexpected.prefix(10))")
            #expect(items.count == itemCount)
            let wrongTitles = byOrigin.compactMap { originId, items -> String? in
                items.first?.title == newestTitle[originId]?.title ? nil : originId
            }
            #expect(wrongTitles.isEmpty, "items without their newest title: \(wrongTitles.sorted().prefix(10))")
            let map = try await harness.itemMap(portal: portal)
            let unmapped = byOrigin.compactMap { originId, items -> String? in
                map[originId] == items.first.map({ Int64($0.id) }) ? nil : originId
            }
            #expect(unmapped.isEmpty, "item_map disagrees with the portal for \(unmapped.sorted().prefix(10))")
        }

        /// An unlimited portal whose `batch` requests (look-ups and writes) are answered after 300 ms half of the
        /// time, so that many kills land while a write is in flight, before its ledger commit.
        private static func makeSlowPortal(_ harness: WritePathHarness) async throws -> String {
            let domain = "t-\(UUID().uuidString.lowercased()).test"
            let webhook = harness.portals.addPortal(domain)
            try await PortalRegistry(pool: harness.pool).save(
                PortalRegistration(domain: domain, webhookURL: webhook, plan: .box)
            )
            guard let portalPath = webhook.range(of: "/portal/") else {
                throw HarnessError("unexpected webhook URL \(webhook)")
            }
            let rules = #"{"rules": [{"method": "batch", "action": "slow", "probability": 0.5, "delayMs": 300}]}"#
            let response = try await harness.http.execute(
                HTTPRequest(
                    method: .post,
                    url: "\(webhook[..<portalPath.lowerBound])/_sim/portals/\(domain)/faults",
                    headers: ["Content-Type": "application/json"],
                    body: Array(rules.utf8)
                )
            )
            #expect(response.status == 200, "the simulator refused the fault rule")
            return domain
        }

        /// `sync.upsert`, its hold queue and the delay queues of the real contract's backoff (the workers run
        /// with the real contract).
        private static func queuesOfUpsert(_ harness: WritePathHarness) throws -> [String] {
            let contract = try IntegrationContract.load(
                from: TestEnvironment.repositoryRoot.appendingPathComponent("schemas/contract.json")
            )
            let plan = try TopologyPlan(definition: harness.topology, contract: contract)
            guard let work = harness.topology.workQueue(forOperation: "upsert"),
                let schedule = plan.retrySchedules["upsert"]
            else {
                throw HarnessError("the topology has no upsert work queue")
            }
            return [work.name, harness.topology.holdQueue(of: work.name)]
                + schedule.allDelays.map { schedule.queueName(delayMilliseconds: $0) }
        }
    }
}
