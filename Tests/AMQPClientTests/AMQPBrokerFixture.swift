import Foundation
import TestSupport

@testable import AMQPClient

/// Connections to the real local broker and throwaway queues with unique names.
struct AMQPBrokerFixture {
    let configuration: AMQPConfiguration
    let admin: AMQPConnection

    static func connect() async throws -> AMQPBrokerFixture {
        var configuration = try AMQPConfiguration(url: TestEnvironment.amqpURL)
        configuration.reconnectDelayMin = .milliseconds(50)
        configuration.reconnectDelayMax = .milliseconds(500)
        return AMQPBrokerFixture(
            configuration: configuration,
            admin: try await AMQPConnection.connect(configuration: configuration)
        )
    }

    static func uniqueName(_ purpose: String) -> String {
        "test.amqpclient.\(purpose).\(UUID().uuidString.lowercased())"
    }

    /// Declares a fresh queue, runs `body`, then deletes the queue and closes the admin connection.
    func withQueue(
        _ purpose: String,
        arguments: AMQPTable = [:],
        _ body: (String) async throws -> Void
    ) async throws {
        let queue = Self.uniqueName(purpose)
        try await admin.declareQueue(queue, durable: true, arguments: arguments)
        do {
            try await body(queue)
        } catch {
            _ = try? await admin.deleteQueue(queue)
            await admin.close()
            throw error
        }
        try await admin.deleteQueue(queue)
        await admin.close()
    }

    func publisher() async throws -> AMQPPublisher {
        try await AMQPPublisher.connect(configuration: configuration)
    }
}

extension AMQPConsumer {
    /// The next delivery; the suite's time limit fails a test that waits forever.
    func next() async throws -> AMQPDelivery {
        for try await delivery in deliveries { return delivery }
        throw AMQPError(.closed, "the deliveries stream ended before a delivery arrived")
    }
}
