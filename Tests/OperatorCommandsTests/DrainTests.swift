import AMQPClient
import FleetRuntime
import Foundation
import OperatorCommands
import PQClient
import Synchronization
import TestSupport
import Testing

extension OperatorCommandsIntegration {
    /// `syncctl drain` and `syncctl replay --from hold` through the built executable, against a private virtual host.
    @Suite("Drain and replay", .serialized, .timeLimit(.minutes(5)))
    struct DrainTests {
        /// Ids published by a background loop, as the ERP keeps publishing during a rollback.
        final class SteadyPublisher: Sendable {
            let published = Mutex<[String]>([])
            let stop = Atomic<Bool>(false)

            func run(_ fixture: OperatorFixture, every interval: Duration) async throws {
                var number = 0
                while !stop.load(ordering: .relaxed) {
                    let id = "steady-\(number)"
                    try await fixture.publishChange(portal: "steady.test", originId: "S-\(number)", messageID: id)
                    published.withLock { $0.append(id) }
                    number += 1
                    try await Task.sleep(for: interval)
                }
            }
        }

        /// Puts `count` changes into `queue` (concurrently, with confirms) and returns their ids.
        static func seed(
            _ fixture: OperatorFixture,
            _ count: Int,
            into queue: String,
            prefix: String,
            headers: AMQPTable = [:]
        ) async throws -> [String] {
            let ids = (0..<count).map { "\(prefix)-\($0)" }
            for chunk in stride(from: 0, to: count, by: 250) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for id in ids[chunk..<min(chunk + 250, count)] {
                        group.addTask {
                            try await fixture.put(
                                OperatorFixture.change(portal: "seed.test", originId: id, messageID: id),
                                into: queue,
                                messageID: id,
                                headers: headers
                            )
                        }
                    }
                    try await group.waitForAll()
                }
            }
            return ids
        }

        /// The message ids in every hold queue, each as often as it occurs.
        static func heldIDs(_ fixture: OperatorFixture) async throws -> [String] {
            var ids: [String] = []
            for family in fixture.queues.families { ids += try await fixture.messageIDs(in: family.hold) }
            return ids
        }

        static func sourcesAreEmpty(_ fixture: OperatorFixture) async throws -> Bool {
            for queue in fixture.sourceQueues where try await fixture.depth(queue) > 0 { return false }
            return true
        }

        @Test("drain refuses a fleet that is not paused, with exit code 4, and moves nothing")
        func refusesUnpausedFleet() async throws {
            try await OperatorFixture.run { fixture in
                _ = try await Self.seed(fixture, 3, into: "sync.upsert", prefix: "unpaused")
                let outcome = try await fixture.syncctl("drain")
                #expect(outcome.status == 4)
                #expect(outcome.errorOutput.contains("not paused"))
                #expect(outcome.errorOutput.contains("syncctl pause"))
                #expect(try await fixture.depth("sync.upsert") == 3)
                #expect(try await fixture.depth("sync.upsert.hold") == 0)
            }
        }

        @Test("drain under a steady publish moves every message once, keeps its headers, and replay puts them back")
        func drainUnderSteadyPublish() async throws {
            try await OperatorFixture.run { fixture in
                let upsert = try #require(fixture.queues.families.first { $0.operation == "upsert" })
                let longestRetry = try #require(upsert.retries.last)
                var expected = try await Self.seed(fixture, 300, into: "sync.upsert", prefix: "work")
                expected += try await Self.seed(fixture, 60, into: "sync.delete", prefix: "delete")
                expected += try await Self.seed(fixture, 20, into: "sync.pull", prefix: "pull")
                expected += try await Self.seed(
                    fixture,
                    40,
                    into: longestRetry,
                    prefix: "retry",
                    headers: [MessageHeaders.attempt: .int64(2), MessageHeaders.traceID: .string("trace-retry")]
                )
                try await fixture.pause()

                let steady = SteadyPublisher()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await steady.run(fixture, every: .milliseconds(5)) }
                    let first = try await fixture.syncctl("drain", "--json")
                    let report = try fixture.decode(DrainReport.self, from: first)
                    #expect(report.moved >= expected.count, "the first drain moves at least what was there before")
                    steady.stop.store(true, ordering: .relaxed)
                    try await group.waitForAll()
                }
                let second = try fixture.decode(DrainReport.self, from: try await fixture.syncctl("drain", "--json"))
                expected += steady.published.withLock { $0 }

                let held = try await Self.heldIDs(fixture)
                #expect(held.count == expected.count, "nothing lost, nothing duplicated")
                #expect(Set(held) == Set(expected))
                #expect(Set(held).count == held.count, "no message is held twice")
                #expect(try await Self.sourcesAreEmpty(fixture))
                #expect(second.moves.allSatisfy { $0.alreadyMoved == 0 })

                let retried = try await fixture.browse(upsert.hold).filter {
                    $0.properties.messageID?.hasPrefix("retry-") == true
                }
                #expect(retried.count == 40)
                #expect(retried.allSatisfy { MessageHeaders.attempt(of: $0.properties) == 2 }, "attempt count kept")
                #expect(
                    retried.allSatisfy { $0.properties.headers[MessageHeaders.traceID]?.stringValue == "trace-retry" }
                )

                let replay = try fixture.decode(
                    DrainReport.self,
                    from: try await fixture.syncctl("replay", "--from", "hold", "--json")
                )
                #expect(replay.moved == expected.count)
                var back: [String] = []
                for family in fixture.queues.families {
                    #expect(try await fixture.depth(family.hold) == 0)
                    back += try await fixture.messageIDs(in: family.work)
                }
                #expect(back.count == expected.count)
                #expect(Set(back) == Set(expected))
                let replayedRetries = try await fixture.browse("sync.upsert").filter {
                    $0.properties.messageID?.hasPrefix("retry-") == true
                }
                #expect(replayedRetries.allSatisfy { MessageHeaders.attempt(of: $0.properties) == 2 })
            }
        }

        @Test("a drain killed mid-way (also right after a confirm, before its journal update) and run again is exact")
        func interruptedDrainIsExact() async throws {
            try await OperatorFixture.run { fixture in
                let expected = try await Self.seed(fixture, 3000, into: "sync.upsert", prefix: "kill")
                try await fixture.pause()

                // 1. The process kills itself in the one window where a naive mover duplicates: copies confirmed,
                //    journal not yet updated, originals not yet acknowledged.
                let crashed = try await fixture.syncctl("drain", environment: ["SYNC_MOVE_CRASH_AFTER": "450"])
                #expect(crashed.status == -SIGKILL)
                let unresolved = try await fixture.pool.query(
                    "SELECT count(*) AS n FROM queue_moves WHERE state = 'publishing'"
                ).first?.decode(Int.self, column: "n")
                #expect((unresolved ?? 0) > 0, "the crash left copies whose fate only the target knows")
                #expect(try await fixture.depth("sync.upsert.hold") >= 450)

                // 2. A SIGKILL from outside at a random moment of a second run.
                let before = try await fixture.depth("sync.upsert.hold")
                let victim = try fixture.startSyncctl(["drain"])
                try await fixture.eventually("the second drain moved some messages") {
                    try await fixture.depth("sync.upsert.hold") > before + 300 || !victim.isRunning
                }
                victim.signal(SIGKILL)
                _ = try await victim.wait()

                // 3. Run to completion.
                let final = try fixture.decode(DrainReport.self, from: try await fixture.syncctl("drain", "--json"))
                let held = try await fixture.messageIDs(in: "sync.upsert.hold")
                #expect(held.count == expected.count, "drained \(held.count) of \(expected.count)")
                #expect(Set(held) == Set(expected))
                #expect(try await fixture.depth("sync.upsert") == 0)
                #expect(final.moves.allSatisfy { $0.source == "sync.upsert" })
                let open = try await fixture.pool.query(
                    "SELECT count(*) AS n FROM queue_moves WHERE state = 'publishing'"
                ).first?.decode(Int.self, column: "n")
                #expect(open == 0)
            }
        }

        @Test("a replay from hold killed right after a confirm and run again puts every message back once")
        func interruptedReplayIsExact() async throws {
            try await OperatorFixture.run { fixture in
                let expected = try await Self.seed(fixture, 1200, into: "sync.delete.hold", prefix: "back")
                let crashed = try await fixture.syncctl(
                    "replay",
                    "--from",
                    "hold",
                    environment: ["SYNC_MOVE_CRASH_AFTER": "250"]
                )
                #expect(crashed.status == -SIGKILL)
                #expect(try await fixture.depth("sync.delete") >= 250)
                let rerun = try fixture.decode(
                    DrainReport.self,
                    from: try await fixture.syncctl("replay", "--from", "hold", "--json")
                )
                #expect(rerun.moves.contains { $0.recovered > 0 }, "the rerun found the unconfirmed copies in place")
                let back = try await fixture.messageIDs(in: "sync.delete")
                #expect(back.count == expected.count, "replayed \(back.count) of \(expected.count)")
                #expect(Set(back) == Set(expected))
                #expect(try await fixture.depth("sync.delete.hold") == 0)
            }
        }
    }
}

/// `--json` of drain and replay, as a script reads it.
struct DrainReport: Decodable {
    struct Move: Decodable {
        var source: String
        var target: String
        var moved: Int
        var alreadyMoved: Int
        var recovered: Int
    }

    var command: String
    var moved: Int
    var moves: [Move]
    var remaining: [String: Int]
}
