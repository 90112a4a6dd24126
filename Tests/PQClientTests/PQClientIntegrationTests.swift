import Foundation
import PQClient
import Synchronization
import Testing

@Suite("PQClient against the real PostgreSQL")
struct PQClientIntegrationTests {
    @Test func everyBindableTypeRoundTripsIncludingNullUnicodeAndQuotes() async throws {
        try await PQTestDatabase.withIsolatedSchema { configuration in
            let pool = PQPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await pool.execute(
                """
                CREATE TABLE victims (id int);
                """
            )
            try await pool.execute(
                """
                CREATE TABLE round_trip (
                    id int PRIMARY KEY, s text, i bigint, i32 integer, i64 bigint, d double precision, b boolean,
                    ts timestamptz, u uuid, bytes bytea, data bytea, doc jsonb
                )
                """
            )
            let hostile = "'; DROP TABLE victims; --"
            let unicode = "Привет, мир 👋 «ünïcødé» \"double\" 'single' \\backslash\\ 日本語"
            let date = Date(timeIntervalSince1970: 1_714_566_600.123456)
            let uuid = UUID()
            let bytes: [UInt8] = [0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF]
            let data = Data("binary\u{0}with nul".utf8)
            let json = try PQJSON(encoding: ["quote": "it's \"fine\"", "emoji": "👋"])

            try await pool.execute(
                """
                INSERT INTO round_trip (id, s, i, i32, i64, d, b, ts, u, bytes, data, doc)
                VALUES (1, \(hostile), \(Int.min), \(Int32.max), \(Int64.max), \(3.141592653589793), \(true),
                        \(date), \(uuid), \(bytes), \(data), \(json))
                """
            )
            try await pool.execute(
                PQQuery(
                    "INSERT INTO round_trip (id, s, i, i32, i64, d, b, ts, u, bytes, data, doc) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    [
                        2, unicode, nil as Int?, nil as Int32?, nil as Int64?, nil as Double?, false, nil as Date?,
                        nil as UUID?, nil as [UInt8]?, nil as Data?, nil as PQJSON?,
                    ]
                )
            )

            let rows = try await pool.query("SELECT * FROM round_trip ORDER BY id")
            #expect(rows.count == 2)
            let first = rows[0]
            #expect(try first.decode(String.self, column: "s") == hostile)
            #expect(try first.decode(Int.self, column: "i") == Int.min)
            #expect(try first.decode(Int32.self, column: "i32") == Int32.max)
            #expect(try first.decode(Int64.self, column: "i64") == Int64.max)
            #expect(try first.decode(Double.self, column: "d") == 3.141592653589793)
            #expect(try first.decode(Bool.self, column: "b") == true)
            let storedDate = try first.decode(Date.self, column: "ts")
            #expect(abs(storedDate.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
            #expect(try first.decode(UUID.self, column: "u") == uuid)
            #expect(try first.decode([UInt8].self, column: "bytes") == bytes)
            #expect(try first.decode(Data.self, column: "data") == data)
            let storedJSON = try first.decode(PQJSON.self, column: "doc")
            #expect(try storedJSON.decode([String: String].self) == ["quote": "it's \"fine\"", "emoji": "👋"])

            let second = rows[1]
            #expect(try second.decode(String.self, column: "s") == unicode)
            #expect(try second.decode(Bool.self, column: "b") == false)
            #expect(try second.decode(Int?.self, column: "i") == nil)
            #expect(try second.decode(Int32?.self, column: "i32") == nil)
            #expect(try second.decode(Int64?.self, column: "i64") == nil)
            #expect(try second.decode(Double?.self, column: "d") == nil)
            #expect(try second.decode(Date?.self, column: "ts") == nil)
            #expect(try second.decode(UUID?.self, column: "u") == nil)
            #expect(try second.decode([UInt8]?.self, column: "bytes") == nil)
            #expect(try second.decode(Data?.self, column: "data") == nil)
            #expect(try second.decode(PQJSON?.self, column: "doc") == nil)

            // The hostile string was stored as data: the table it names still exists, and the value matches.
            let victims = try await pool.query("SELECT count(*) AS n FROM victims")
            #expect(try victims.first?.decode(Int.self, column: "n") == 0)
            let matched = try await pool.query("SELECT id FROM round_trip WHERE s = \(hostile)")
            #expect(try matched.map { try $0.decode(Int.self, column: "id") } == [1])
        }
    }

    @Test func serverTimestampsWithOffsetsDecodeToTheSameInstant() async throws {
        let pool = PQPool(configuration: try PQTestDatabase.baseConfiguration(), maxConnections: 1)
        defer { pool.close() }
        let instants = try await pool.withTransaction { transaction in
            try await transaction.execute("SET LOCAL TIME ZONE 'Asia/Kolkata'")
            let rows = try await transaction.query(
                "SELECT '2024-05-01 12:30:00.25+00'::timestamptz AS ts, '2024-05-01 12:30:00.25+00'::timestamptz::text AS raw"
            )
            return (try rows[0].decode(Date.self, column: "ts"), try rows[0].decode(String.self, column: "raw"))
        }
        #expect(instants.1 == "2024-05-01 18:00:00.25+05:30")
        #expect(instants.0 == Date(timeIntervalSince1970: 1_714_566_600.25))
    }

    @Test func uniqueConflictReportsCodeSQLStateAndConstraint() async throws {
        try await PQTestDatabase.withIsolatedSchema { configuration in
            let pool = PQPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            try await pool.execute("CREATE TABLE ledger (key text, CONSTRAINT ledger_key_unique UNIQUE (key))")
            try await pool.execute("INSERT INTO ledger (key) VALUES (\("portal:42"))")
            let error = await #expect(throws: PQError.self) {
                try await pool.execute("INSERT INTO ledger (key) VALUES (\("portal:42"))")
            }
            #expect(error?.code == .uniqueViolation)
            #expect(error?.sqlState == "23505")
            #expect(error?.constraint == "ledger_key_unique")
            #expect(error?.table == "ledger")
            #expect(error?.isRetryable == false)
            // The failed statement left the connection usable.
            #expect(try await pool.query("SELECT count(*) AS n FROM ledger").first?.decode(Int.self, column: "n") == 1)
        }
    }

    @Test func otherServerErrorsMapToTheirCodes() async throws {
        try await PQTestDatabase.withIsolatedSchema { configuration in
            let pool = PQPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let missing = await #expect(throws: PQError.self) { try await pool.query("SELECT * FROM no_such_table") }
            #expect(missing?.code == .undefinedTable)
            let syntax = await #expect(throws: PQError.self) { try await pool.query("SELEC 1") }
            #expect(syntax?.code == .syntaxError)
            try await pool.execute("CREATE TABLE parent (id int PRIMARY KEY)")
            try await pool.execute("CREATE TABLE child (parent_id int CONSTRAINT child_parent_fk REFERENCES parent)")
            let foreignKey = await #expect(throws: PQError.self) {
                try await pool.execute("INSERT INTO child VALUES (\(7))")
            }
            #expect(foreignKey?.code == .foreignKeyViolation)
            #expect(foreignKey?.constraint == "child_parent_fk")
        }
    }

    @Test func transactionCommitsOnReturnAndRollsBackOnThrow() async throws {
        struct Abort: Error {}
        try await PQTestDatabase.withIsolatedSchema { configuration in
            let pool = PQPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await pool.execute("CREATE TABLE items (id int PRIMARY KEY)")

            await #expect(throws: Abort.self) {
                try await pool.withTransaction { transaction in
                    try await transaction.execute("INSERT INTO items VALUES (\(1))")
                    let inside = try await transaction.query("SELECT count(*) AS n FROM items")
                    #expect(try inside[0].decode(Int.self, column: "n") == 1)
                    throw Abort()
                }
            }
            let committed = try await pool.withTransaction(isolationLevel: .serializable) { transaction in
                try await transaction.execute("INSERT INTO items VALUES (\(2))")
            }
            #expect(committed == 1)

            let ids = try await pool.query("SELECT id FROM items ORDER BY id").map { try $0.decode(Int.self, at: 0) }
            #expect(ids == [2])
        }
    }

    @Test func cancellingTheTaskRollsBackTheTransaction() async throws {
        try await PQTestDatabase.withIsolatedSchema { configuration in
            let pool = PQPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            try await pool.execute("CREATE TABLE items (id int PRIMARY KEY)")
            let inserted = AsyncStream.makeStream(of: Void.self)
            let writer = Task {
                try await pool.withTransaction(isolationLevel: .repeatableRead) { transaction in
                    try await transaction.execute("INSERT INTO items VALUES (\(1))")
                    inserted.continuation.yield()
                    try await Task.sleep(for: .seconds(30))
                }
            }
            for await _ in inserted.stream { break }
            writer.cancel()
            await #expect(throws: CancellationError.self) { try await writer.value }
            let count = try await pool.query("SELECT count(*) AS n FROM items")
            #expect(try count[0].decode(Int.self, column: "n") == 0)
        }
    }

    @Test func cancellingTheTaskCancelsTheRunningStatementOnTheServer() async throws {
        let pool = PQPool(configuration: try PQTestDatabase.baseConfiguration(), maxConnections: 1)
        defer { pool.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let sleeper = Task { try await pool.query("SELECT pg_sleep(30)") }
        try await Task.sleep(for: .milliseconds(300))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.now - start < .seconds(10))
        // The connection is idle again and serves the next query.
        #expect(try await pool.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1)
    }

    @Test func poolServesMoreConcurrentCallersThanItsSize() async throws {
        let pool = PQPool(configuration: try PQTestDatabase.baseConfiguration(), maxConnections: 2)
        defer { pool.close() }
        let inUse = LeaseCounter()
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await pool.withConnection { connection in
                        inUse.enter()
                        defer { inUse.leave() }
                        let rows = try await connection.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.1)")
                        return try rows[0].decode(Int32.self, column: "pid")
                    }
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(pids.count == 8)
        #expect(Set(pids).count <= 2)
        #expect(inUse.peak == 2)
        #expect(pool.openConnectionCount == 2)
    }

    @Test func connectionKilledWhileLeasedSurfacesAsConnectionLostAndThePoolReconnects() async throws {
        let configuration = try PQTestDatabase.baseConfiguration()
        let pool = PQPool(configuration: configuration, maxConnections: 1)
        let admin = PQPool(configuration: configuration, maxConnections: 1)
        defer {
            pool.close()
            admin.close()
        }
        let killedPID = try await pool.withConnection { connection in
            let pid = connection.backendPID
            try await Self.terminate(pid, using: admin)
            let error = await #expect(throws: PQError.self) { try await connection.query("SELECT 1") }
            #expect(error?.code == .connectionLost)
            #expect(error?.isRetryable == true)
            return pid
        }
        let rows = try await pool.query("SELECT pg_backend_pid() AS pid")
        let newPID = try rows[0].decode(Int32.self, column: "pid")
        #expect(newPID != killedPID)
    }

    @Test func idleConnectionKilledByTheServerIsReplacedAtLeaseTime() async throws {
        let configuration = try PQTestDatabase.baseConfiguration()
        let pool = PQPool(configuration: configuration, maxConnections: 1)
        let admin = PQPool(configuration: configuration, maxConnections: 1)
        defer {
            pool.close()
            admin.close()
        }
        let idlePID = try await pool.withConnection { $0.backendPID }
        try await Self.terminate(idlePID, using: admin)
        let rows = try await pool.query("SELECT pg_backend_pid() AS pid")
        #expect(try rows[0].decode(Int32.self, column: "pid") != idlePID)
    }

    @Test func unreachableServerFailsWithConnectionFailedAndNoPassword() async throws {
        let pool = PQPool(
            configuration: PQConfiguration(
                host: "127.0.0.1",
                port: 1,
                user: "nobody",
                password: "s3cr3t-pass",
                database: "none",
                connectTimeoutSeconds: 2
            ),
            maxConnections: 1
        )
        defer { pool.close() }
        let error = await #expect(throws: PQError.self) { try await pool.query("SELECT 1") }
        #expect(error?.code == .connectionFailed)
        #expect(error.map { !"\($0)".contains("s3cr3t-pass") } == true)
        #expect(pool.openConnectionCount == 0)
    }

    @Test func advisoryLocksExcludeOtherSessions() async throws {
        let configuration = try PQTestDatabase.baseConfiguration()
        let first = PQPool(configuration: configuration, maxConnections: 1)
        let second = PQPool(configuration: configuration, maxConnections: 1)
        defer {
            first.close()
            second.close()
        }
        let key = Int64.random(in: 1...Int64.max)
        try await first.withConnection { connection in
            try await connection.withAdvisoryLock(key) { _ in
                #expect(try await second.withConnection { try await $0.tryAdvisoryLock(key) } == false)
                let blockedInTransaction = try await second.withTransaction {
                    try await $0.tryAdvisoryTransactionLock(key)
                }
                #expect(blockedInTransaction == false)
            }
        }
        #expect(
            try await second.withConnection { connection in
                let locked = try await connection.tryAdvisoryLock(key)
                try await connection.advisoryUnlock(key)
                return locked
            }
        )
        try await second.withTransaction { try await $0.advisoryTransactionLock(key) }
    }

    @Test func closuresRunInTheCallersActorIsolation() async throws {
        let pool = PQPool(configuration: try PQTestDatabase.baseConfiguration(), maxConnections: 1)
        defer { pool.close() }
        let recorder = ActorRecorder(pool: pool)
        try await recorder.recordTwice()
        #expect(await recorder.values == [1, 2])
    }

    /// Terminates a backend from another connection and waits until it is gone.
    private static func terminate(_ pid: Int32, using admin: PQPool) async throws {
        let terminated = try await admin.query("SELECT pg_terminate_backend(\(pid)) AS ok")
        #expect(try terminated[0].decode(Bool.self, column: "ok"))
        for _ in 0..<100 {
            let alive = try await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = \(pid)")
            if try alive[0].decode(Int.self, column: "n") == 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("backend \(pid) did not exit")
    }
}

/// Counts concurrent leases and remembers the highest count seen.
private final class LeaseCounter: Sendable {
    private let state = Mutex((current: 0, peak: 0))

    var peak: Int { state.withLock { $0.peak } }

    func enter() {
        state.withLock { state in
            state.current += 1
            state.peak = max(state.peak, state.current)
        }
    }

    func leave() {
        state.withLock { $0.current -= 1 }
    }
}

/// An actor that mutates its own state inside pool closures, which must compile and run without hops.
private actor ActorRecorder {
    let pool: PQPool
    var values: [Int] = []

    init(pool: PQPool) {
        self.pool = pool
    }

    func recordTwice() async throws {
        try await pool.withConnection { connection in
            let rows = try await connection.query("SELECT \(1) AS n")
            values.append(try rows[0].decode(Int.self, column: "n"))
        }
        try await pool.withTransaction { transaction in
            let rows = try await transaction.query("SELECT \(2) AS n")
            values.append(try rows[0].decode(Int.self, column: "n"))
        }
    }
}
