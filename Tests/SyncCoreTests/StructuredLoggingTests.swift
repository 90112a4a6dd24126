import Foundation
import Logging
import StructuredLogging
import Testing

/// JSON log lines parse back with the fixed keys and the metadata, and registered secrets never reach them.
@Suite struct StructuredLoggingTests {
    private func makeLogger(_ recorder: LogLineRecorder, redactor: SecretRedactor = SecretRedactor()) -> Logger {
        Logger(label: "sync.test") { label in
            JSONLogHandler(label: label, process: "test-worker", level: .trace, sink: recorder.sink, redactor: redactor)
        }
    }

    private func parse(_ line: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func aLineHasTheFixedKeysAndFlattenedMetadata() throws {
        let recorder = LogLineRecorder()
        var logger = makeLogger(recorder)
        logger[metadataKey: LogKey.portal] = "acme.bitrix24.ru"
        logger.info(
            "item \"synced\"\nnext line",
            metadata: [
                LogKey.traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
                LogKey.attempt: "2",
                "request": ["method": "crm.item.update", "fields": ["title", "stageId"]],
            ]
        )
        #expect(recorder.lines.count == 1)
        let line = try #require(recorder.lines.first)
        #expect(!line.contains("\n"))
        let object = try parse(line)
        for key in ["time", "level", "process", "pid", "label", "message", "source"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["level"] as? String == "info")
        #expect(object["process"] as? String == "test-worker")
        #expect(object["pid"] as? Int == Int(ProcessInfo.processInfo.processIdentifier))
        #expect(object["label"] as? String == "sync.test")
        #expect(object["message"] as? String == "item \"synced\"\nnext line")
        #expect(object["source"] as? String == "SyncCoreTests")
        #expect(object["portal"] as? String == "acme.bitrix24.ru")
        #expect(object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(object["attempt"] as? String == "2")
        let request = try #require(object["request"] as? [String: Any])
        #expect(request["method"] as? String == "crm.item.update")
        #expect(request["fields"] as? [String] == ["title", "stageId"])

        let time = try #require(object["time"] as? String)
        let shape = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#)
        #expect(time.wholeMatch(of: shape) != nil, "time \(time) is not ISO 8601 UTC with milliseconds")
        #expect(line.hasPrefix("{\"time\":"))
    }

    @Test func callMetadataWinsAndFixedKeysAreNotOverwritten() throws {
        let recorder = LogLineRecorder()
        var logger = makeLogger(recorder)
        logger[metadataKey: LogKey.operation] = "pull"
        logger.warning("x", metadata: [LogKey.operation: "upsert", "message": "sneaky", "level": "none"])
        let object = try parse(try #require(recorder.lines.first))
        #expect(object["operation"] as? String == "upsert")
        #expect(object["message"] as? String == "x")
        #expect(object["level"] as? String == "warning")
        #expect(object["meta.message"] as? String == "sneaky")
        #expect(object["meta.level"] as? String == "none")
    }

    @Test func registeredSecretsNeverAppear() throws {
        let recorder = LogLineRecorder()
        let redactor = SecretRedactor()
        redactor.register("tok-9f8e7d6c5b4a")
        redactor.register(webhookURL: "https://acme.bitrix24.ru/rest/1/k3yc0de55/")
        redactor.register("ab")  // too short to redact safely: ignored
        let logger = makeLogger(recorder, redactor: redactor)
        logger.error(
            "refresh failed for tok-9f8e7d6c5b4a at https://acme.bitrix24.ru/rest/1/k3yc0de55/crm.item.get",
            metadata: ["url": "https://acme.bitrix24.ru/rest/1/k3yc0de55/", "nested": ["token": "tok-9f8e7d6c5b4a"]]
        )
        let line = try #require(recorder.lines.first)
        #expect(!line.contains("tok-9f8e7d6c5b4a"))
        #expect(!line.contains("k3yc0de55"))
        #expect(line.contains("[redacted]"))
        #expect(line.contains("crm.item.get"))
        let object = try parse(line)
        #expect(object["url"] as? String == "[redacted]")
        #expect((object["nested"] as? [String: Any])?["token"] as? String == "[redacted]")
        #expect(redactor.redact("ab cab") == "ab cab")
    }

    @Test func concurrentLoggersWriteWholeLines() async throws {
        let recorder = LogLineRecorder()
        let logger = makeLogger(recorder)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<200 {
                        logger.debug("line", metadata: ["task": "\(task)", "index": "\(index)"])
                    }
                }
            }
        }
        let lines = recorder.lines
        #expect(lines.count == 1600)
        var seen = Set<String>()
        for line in lines {
            let object = try parse(line)
            seen.insert("\(object["task"] as? String ?? "?")-\(object["index"] as? String ?? "?")")
        }
        #expect(seen.count == 1600)
    }

    @Test func levelsFollowLogLevel() {
        #expect(StructuredLogging.level(from: ["LOG_LEVEL": "DEBUG"], default: .info) == .debug)
        #expect(StructuredLogging.level(from: ["LOG_LEVEL": "warn"], default: .info) == .warning)
        #expect(StructuredLogging.level(from: ["LOG_LEVEL": "chatty"], default: .notice) == .notice)
        #expect(StructuredLogging.level(from: [:], default: .error) == .error)

        let recorder = LogLineRecorder()
        let logger = Logger(label: "quiet") { label in
            JSONLogHandler(label: label, process: "p", level: .warning, sink: recorder.sink, redactor: SecretRedactor())
        }
        logger.info("dropped")
        logger.error("kept")
        #expect(recorder.lines.count == 1)
        #expect(recorder.lines.first?.contains("\"kept\"") == true)
    }

    @Test func logKeysAreTheFleetsNames() {
        #expect(
            LogKey.all == [
                "trace_id", "portal", "idempotency_key", "message_id", "entity", "origin_id", "item_id", "operation",
                "attempt", "method", "error_code",
            ]
        )
    }
}
