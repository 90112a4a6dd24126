import AMQPClient
import FleetRuntime
import Foundation
import OperatorCommands
import SyncCore
import TestSupport
import Testing

extension OperatorCommandsIntegration {
    /// `syncctl dead list|show|purge` against crafted dead letters: selectors pick the right ones, and nothing they
    /// do not pick moves or changes place.
    @Suite("Dead letters", .serialized, .timeLimit(.minutes(3)))
    struct DeadLetterTests {
        /// One crafted dead letter.
        struct Letter {
            var id: String
            var queue: String
            var portal: String
            var originId: String
            var code: String
            var operation: String
        }

        static let letters: [Letter] =
            (0..<12).map { number in
                Letter(
                    id: "dead-\(number)",
                    queue: "sync.upsert.dead",
                    portal: number % 2 == 0 ? "a.test" : "b.test",
                    originId: "D-\(number % 4)",
                    code: number % 3 == 0 ? "schema" : "QUERY_LIMIT_EXCEEDED",
                    operation: "upsert"
                )
            }
            + (0..<3).map { number in
                Letter(
                    id: "dead-delete-\(number)",
                    queue: "sync.delete.dead",
                    portal: "a.test",
                    originId: "D-\(number)",
                    code: "ACCESS_DENIED",
                    operation: "delete"
                )
            }

        static func seed(_ fixture: OperatorFixture) async throws {
            for letter in letters {
                try await fixture.put(
                    OperatorFixture.change(
                        portal: letter.portal,
                        originId: letter.originId,
                        op: letter.operation,
                        messageID: letter.id
                    ),
                    into: letter.queue,
                    messageID: letter.id,
                    headers: [
                        MessageHeaders.errorCode: .string(letter.code),
                        MessageHeaders.errorMessage: .string("failed: \(letter.code)"),
                        MessageHeaders.attempt: .int64(6),
                        MessageHeaders.traceID: .string("trace-\(letter.id)"),
                        MessageHeaders.operation: .string(letter.operation),
                    ]
                )
            }
        }

        static func list(_ fixture: OperatorFixture, _ arguments: String...) async throws -> [DeadLetter] {
            let outcome = try await fixture.syncctl(arguments: ["dead", "list", "--json"] + arguments)
            return try fixture.decode([DeadLetter].self, from: outcome)
        }

        @Test(
            "dead list selects by portal, operation, origin id, error code and limit, and leaves every queue as it was"
        )
        func listSelectsAndLeavesTheRest() async throws {
            try await OperatorFixture.run { fixture in
                try await Self.seed(fixture)
                let upsertOrder = try await fixture.messageIDs(in: "sync.upsert.dead")
                #expect(upsertOrder == Self.letters.filter { $0.operation == "upsert" }.map(\.id))

                let all = try await Self.list(fixture)
                #expect(all.map(\.messageID) == Self.letters.map(\.id))
                #expect(all.first?.attempts == 6)
                #expect(all.first?.traceID == "trace-dead-0")

                let portalB = try await Self.list(fixture, "--portal", "b.test")
                #expect(portalB.map(\.messageID) == Self.letters.filter { $0.portal == "b.test" }.map(\.id))

                let schemaUpserts = try await Self.list(fixture, "--operation", "upsert", "--error-code", "schema")
                #expect(
                    schemaUpserts.map(\.messageID)
                        == Self.letters.filter { $0.operation == "upsert" && $0.code == "schema" }.map(\.id)
                )

                let origin = try await Self.list(fixture, "--origin-id", "D-1", "--portal", "a.test")
                #expect(
                    origin.map(\.messageID)
                        == Self.letters.filter { $0.originId == "D-1" && $0.portal == "a.test" }.map(\.id)
                )
                #expect(origin.contains { $0.operation == "delete" }, "delete dead letters are listed too")

                let limited = try await Self.list(fixture, "--error-code", "QUERY_LIMIT_EXCEEDED", "--limit", "2")
                #expect(limited.map(\.messageID) == ["dead-1", "dead-2"])

                #expect(try await fixture.messageIDs(in: "sync.upsert.dead") == upsertOrder, "order unchanged")
                #expect(try await fixture.depth("sync.delete.dead") == 3)

                let show = try await fixture.syncctl("dead", "show", "dead-5")
                let shown = try fixture.decode(DeadLetter.self, from: show)
                #expect(shown.portal == "b.test")
                #expect(shown.errorCode == "QUERY_LIMIT_EXCEEDED")
                #expect(shown.body?["originId"]?.stringValue == "D-1")
                #expect(try await fixture.syncctl("dead", "show", "no-such-message").status == 3)
            }
        }

        @Test("dead replay republishes only the selected letters, attempt count reset and trace id kept")
        func replayMovesOnlySelected() async throws {
            try await OperatorFixture.run { fixture in
                try await Self.seed(fixture)
                let replay = try fixture.decode(
                    DrainReport.self,
                    from: try await fixture.syncctl(
                        "dead",
                        "replay",
                        "--portal",
                        "a.test",
                        "--error-code",
                        "schema",
                        "--json"
                    )
                )
                let picked = Self.letters.filter { $0.portal == "a.test" && $0.code == "schema" }
                #expect(replay.moved == picked.count)
                let republished = try await fixture.browse("sync.upsert")
                #expect(republished.map(\.properties.messageID) == picked.map(\.id))
                for message in republished {
                    let headers = message.properties.headers
                    #expect(headers[MessageHeaders.attempt] == nil, "the attempt count starts afresh")
                    #expect(headers[MessageHeaders.errorCode] == nil)
                    #expect(headers[MessageHeaders.deadLetteredAt] == nil)
                    #expect(
                        headers[MessageHeaders.traceID]?.stringValue == "trace-\(message.properties.messageID ?? "")"
                    )
                }
                let left = Self.letters.filter { $0.operation == "upsert" && !picked.map(\.id).contains($0.id) }
                #expect(
                    try await fixture.messageIDs(in: "sync.upsert.dead") == left.map(\.id),
                    "the rest stay, in order"
                )
                #expect(try await fixture.depth("sync.delete.dead") == 3)

                let limited = try fixture.decode(
                    DrainReport.self,
                    from: try await fixture.syncctl("dead", "replay", "--operation", "upsert", "--limit", "2", "--json")
                )
                #expect(limited.moved == 2)
                #expect(try await fixture.depth("sync.upsert.dead") == left.count - 2)
                #expect(try await fixture.depth("sync.delete.dead") == 3, "--operation upsert leaves deletes alone")
            }
        }

        @Test("dead purge needs a selector or --yes, and removes only what its selectors pick")
        func purgeRemovesOnlySelected() async throws {
            try await OperatorFixture.run { fixture in
                try await Self.seed(fixture)
                let refused = try await fixture.syncctl("dead", "purge")
                #expect(refused.status == 64)
                #expect(refused.errorOutput.contains("--yes"))
                #expect(try await fixture.depth("sync.upsert.dead") == 12)

                let purge = try await fixture.syncctl(
                    "dead",
                    "purge",
                    "--portal",
                    "b.test",
                    "--error-code",
                    "QUERY_LIMIT_EXCEEDED",
                    "--json"
                )
                let counts = try fixture.decode([String: Int].self, from: purge)
                let removed = Self.letters.filter { $0.portal == "b.test" && $0.code == "QUERY_LIMIT_EXCEEDED" }
                #expect(counts["sync.upsert.dead"] == removed.count)
                let kept = Self.letters.filter { $0.operation == "upsert" && !removed.map(\.id).contains($0.id) }
                #expect(try await fixture.messageIDs(in: "sync.upsert.dead") == kept.map(\.id))
                #expect(try await fixture.depth("sync.delete.dead") == 3)

                let everything = try await fixture.syncctl("dead", "purge", "--yes")
                #expect(everything.status == 0)
                #expect(try await fixture.depth("sync.upsert.dead") == 0)
                #expect(try await fixture.depth("sync.delete.dead") == 0)
            }
        }
    }
}
