import FleetRuntime
import WritePath

// Blocking libpq and libcurl calls run on NIO's blocking pool: give it room for every lane's calls.
WorkerProcess.prepare()
await WorkerProcess.run("upsert-worker") { try await WriteWorkerApplication.run(.upsert) }
