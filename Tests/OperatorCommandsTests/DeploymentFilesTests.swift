import Foundation
import TestSupport
import Testing

/// `infra/deploy/validate.sh` passes the shipped files and fails broken copies of them; no services needed.
@Suite("Deployment files", .serialized)
struct DeploymentFilesTests {
    static let deploy = TestEnvironment.repositoryRoot.appendingPathComponent("infra/deploy", isDirectory: true)

    /// Runs the script on `folder` and returns its exit status and standard error.
    static func validate(_ folder: URL) async throws -> (status: Int32, errors: String) {
        let child = try ChildProcess(
            "/bin/bash",
            [deploy.appendingPathComponent("validate.sh").path, folder.path],
            environment: [:]
        )
        let status = try await child.wait(timeout: .seconds(60))
        return (status, child.errorOutput)
    }

    /// A copy of the deployment folder with `edit` applied to one file.
    static func brokenCopy(_ file: String, _ edit: (String) -> String) throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: deploy, to: copy)
        let target = copy.appendingPathComponent(file)
        try edit(try String(contentsOf: target, encoding: .utf8)).write(to: target, atomically: true, encoding: .utf8)
        return copy
    }

    @Test("the shipped units, compose file and Kubernetes manifests pass")
    func shippedFilesPass() async throws {
        let result = try await Self.validate(Self.deploy)
        #expect(result.status == 0, "validate.sh: \(result.errors)")
    }

    @Test(
        "each kind of mistake fails the validation",
        arguments: [
            ("systemd/upsert-worker@.service", "TimeoutStopSec=45", "TimeoutStopSec=5", "TimeoutStopSec"),
            ("systemd/delete-worker@.service", "[Service]", "[Service]\nRestartt=always", "systemd-analyze"),
            ("compose.yaml", "stop_grace_period: 45s", "stop_grace_period: 10s", "stop_grace_period"),
            ("compose.yaml", "services:", "services: [", "compose.yaml"),
            ("kubernetes/keda.yaml", "queueName: sync.pull", "queueName: sync.pul", "sync.pul"),
            (
                "kubernetes/upsert-worker.yaml", "terminationGracePeriodSeconds: 45",
                "terminationGracePeriodSeconds: 5",
                "terminationGracePeriodSeconds"
            ),
            ("kubernetes/delete-worker.yaml", "  replicas: 1", "  replicas: 1\n bad-indent: [", "delete-worker.yaml"),
        ]
    )
    func mistakesFail(file: String, original: String, replacement: String, mentioned: String) async throws {
        let copy = try Self.brokenCopy(file) { text in
            precondition(text.contains(original), "\(file) no longer contains \(original)")
            return text.replacingOccurrences(of: original, with: replacement)
        }
        defer { try? FileManager.default.removeItem(at: copy) }
        let result = try await Self.validate(copy)
        #expect(result.status == 1)
        #expect(result.errors.contains(mentioned), "the failure should name \(mentioned): \(result.errors)")
    }
}
