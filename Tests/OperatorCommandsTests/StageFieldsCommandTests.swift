import Foundation
import TestSupport
import Testing

extension OperatorCommandsIntegration {
    /// `syncctl portal stage-fields` declares a stage's required fields, replaces them, and lists what is known.
    @Suite("Stage fields command", .serialized, .timeLimit(.minutes(2)))
    struct StageFieldsCommandTests {
        struct Row: Decodable, Equatable {
            var entityTypeId: Int
            var stage: String
            var field: String
            var source: String
        }

        @Test("declare, replace and list a stage's required fields; an unknown entity or portal is refused")
        func declareAndList() async throws {
            try await OperatorFixture.run { fixture in
                let portal = "stages-\(fixture.services.virtualHost).test"
                try await fixture.addPortal(portal, "--entity", "deal=2")
                let empty = try await fixture.syncctl("portal", "stage-fields", portal)
                #expect(empty.output.contains("no stage requirements known"))

                let declared = try await fixture.syncctl(
                    "portal",
                    "stage-fields",
                    portal,
                    "--entity",
                    "deal",
                    "--stage",
                    "C3:WON",
                    "--require",
                    "opportunity",
                    "--require",
                    "ufCrm_1721244800001",
                    "--json"
                )
                #expect(
                    try fixture.decode([Row].self, from: declared) == [
                        Row(entityTypeId: 2, stage: "C3:WON", field: "opportunity", source: "declared"),
                        Row(entityTypeId: 2, stage: "C3:WON", field: "ufCrm_1721244800001", source: "declared"),
                    ]
                )
                let replaced = try await fixture.syncctl(
                    "portal",
                    "stage-fields",
                    portal,
                    "--entity",
                    "deal",
                    "--stage",
                    "C3:WON",
                    "--require",
                    "opportunity",
                    "--json"
                )
                #expect(try fixture.decode([Row].self, from: replaced).map(\.field) == ["opportunity"])

                let unknownEntity = try await fixture.syncctl(
                    "portal",
                    "stage-fields",
                    portal,
                    "--entity",
                    "invoice",
                    "--stage",
                    "X",
                    "--require",
                    "title"
                )
                #expect(unknownEntity.status != 0)
                #expect(unknownEntity.errorOutput.contains("maps no entity 'invoice'"))
                let unknownPortal = try await fixture.syncctl("portal", "stage-fields", "nobody.test")
                #expect(unknownPortal.status == 3)
            }
        }
    }
}
