import FleetRuntime
import PullPath

// Blocking libpq and libcurl calls run on NIO's blocking pool: give it room for every lane's calls.
WorkerProcess.prepare()
await WorkerProcess.run("pull-worker") { try await PullWorkerApplication.run() }
