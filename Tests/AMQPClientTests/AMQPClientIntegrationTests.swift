import Foundation
import TestSupport
import Testing

@testable import AMQPClient

/// Runs against the real local RabbitMQ (`AMQP_URL`); a missing broker fails every test.
@Suite("AMQP client against RabbitMQ", .timeLimit(.minutes(1)))
struct AMQPClientIntegrationTests {
    @Test func publishedMessagesAreConsumedAckedAndTheQueueEndsEmpty() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("ack") { queue in
            let publisher = try await broker.publisher()
            for index in 0..<3 {
                try await publisher.publish(
                    Array("message \(index)".utf8),
                    exchange: "",
                    routingKey: queue,
                    properties: AMQPProperties(contentType: "text/plain", messageID: "m-\(index)")
                )
            }
            await publisher.close()
            let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 10, configuration: broker.configuration)
            for index in 0..<3 {
                let delivery = try await consumer.next()
                #expect(String(decoding: delivery.body, as: UTF8.self) == "message \(index)")
                #expect(delivery.properties.messageID == "m-\(index)")
                #expect(delivery.properties.persistent)
                #expect(!delivery.redelivered)
                #expect(try await consumer.ack(delivery) == .settled)
            }
            await consumer.close()
            let state = try await broker.admin.declareQueuePassive(queue)
            #expect(state.messageCount == 0)
            #expect(state.consumerCount == 0)
        }
    }

    @Test func nackWithRequeueRedeliversWithTheRedeliveredFlag() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("nack") { queue in
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("again".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 1, configuration: broker.configuration)
            let first = try await consumer.next()
            #expect(!first.redelivered)
            #expect(try await consumer.nack(first, requeue: true) == .settled)
            let second = try await consumer.next()
            #expect(second.redelivered)
            #expect(second.body == first.body)
            try await consumer.ack(second)
            await consumer.close()
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 0)
        }
    }

    @Test func anUnackedMessageIsRedeliveredAfterTheConsumerConnectionDies() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("reconnect") { queue in
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("survivor".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 5, configuration: broker.configuration)
            let before = try await consumer.next()
            try await consumer.breakConnectionForTesting()
            // The consumer reconnects and subscribes again; the broker requeued the unacked message.
            let after = try await consumer.next()
            #expect(after.body == before.body)
            #expect(after.redelivered)
            #expect(try await consumer.ack(before) == .stale)
            #expect(try await consumer.ack(after) == .settled)
            await consumer.close()
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 0)
        }
    }

    @Test func theConsumerRecoversWhenTheBrokerClosesItsChannel() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("channel-close") { queue in
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("first".utf8), exchange: "", routingKey: queue)
            try await publisher.publish(Array("second".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 2, configuration: broker.configuration)
            let first = try await consumer.next()
            let second = try await consumer.next()
            #expect(try await consumer.ack(first) == .settled)
            // Acking the same tag twice is a protocol error: RabbitMQ closes the channel with 406.
            #expect(try await consumer.ack(first) == .settled)
            let redelivered = try await consumer.next()
            #expect(redelivered.body == second.body)
            #expect(redelivered.redelivered)
            #expect(try await consumer.ack(second) == .stale)
            #expect(try await consumer.ack(redelivered) == .settled)
            await consumer.close()
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 0)
        }
    }

    @Test func anIdleConnectionStaysUpThroughHeartbeats() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("heartbeat") { queue in
            var configuration = broker.configuration
            configuration.heartbeat = .seconds(1)
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("held".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 1, configuration: configuration)
            let held = try await consumer.next()
            // Four heartbeat intervals of silence from the application: the I/O thread must keep the link alive,
            // so the delivery's channel is still the current one afterwards.
            try await Task.sleep(for: .seconds(4))
            #expect(try await consumer.ack(held) == .settled)
            await consumer.close()
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 0)
        }
    }

    @Test func deletingTheQueueEndsTheDeliveriesWithA404() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        let queue = AMQPBrokerFixture.uniqueName("deleted")
        try await broker.admin.declareQueue(queue)
        let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 1, configuration: broker.configuration)
        try await broker.admin.deleteQueue(queue)
        await #expect {
            for try await _ in consumer.deliveries {}
        } throws: { error in
            (error as? AMQPError)?.code == .channelClosed && (error as? AMQPError)?.replyCode == 404
        }
        await consumer.close()
        await broker.admin.close()
    }

    @Test func wrongCredentialsAndAClosedPortFailTyped() async throws {
        var configuration = try AMQPConfiguration(url: TestEnvironment.amqpURL)
        configuration.password = "definitely-not-the-password"
        await #expect {
            try await AMQPConnection.connect(configuration: configuration)
        } throws: { error in
            (error as? AMQPError)?.code == .authenticationFailed
        }
        configuration = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:1/%2F")
        await #expect {
            try await AMQPPublisher.connect(configuration: configuration)
        } throws: { error in
            (error as? AMQPError)?.code == .connectionFailed
        }
    }

    @Test func theConsumerReconnectsAfterTheBrokerClosesTheConnection() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("connection-close") { queue in
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("kept".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 1, configuration: broker.configuration)
            let before = try await consumer.next()
            try await consumer.provokeConnectionCloseByBrokerForTesting()
            let after = try await consumer.next()
            #expect(after.body == before.body)
            #expect(after.redelivered)
            #expect(try await consumer.ack(before) == .stale)
            #expect(try await consumer.ack(after) == .settled)
            await consumer.close()
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 0)
        }
    }

    @Test func aMessageLeftUnackedByAClosedConsumerGoesToTheNextConsumer() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("handover") { queue in
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("handover".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let first = try await AMQPConsumer.start(queue: queue, prefetch: 1, configuration: broker.configuration)
            let held = try await first.next()
            await first.close(drainTimeout: .zero)
            // A closed consumer refuses further work instead of acking on some other channel.
            await #expect {
                try await first.ack(held)
            } throws: { error in
                (error as? AMQPError)?.code == .closed
            }
            let second = try await AMQPConsumer.start(queue: queue, prefetch: 1, configuration: broker.configuration)
            let again = try await second.next()
            #expect(again.body == held.body)
            #expect(again.redelivered)
            try await second.ack(again)
            await second.close()
        }
    }

    @Test func propertiesAndAHeaderTableOfEveryTypeRoundTripExactly() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("headers") { queue in
            let sent = AMQPProperties(
                contentType: "application/json",
                contentEncoding: "utf-8",
                messageID: "msg-1",
                correlationID: "corr-1",
                type: "erp.change.v1",
                appID: "erp",
                replyTo: "replies",
                timestamp: Date(timeIntervalSince1970: 1_750_000_000),
                expiration: "60000",
                priority: 3,
                headers: AMQPTableCodecTests.everyType
            )
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("{}".utf8), exchange: "", routingKey: queue, properties: sent)
            await publisher.close()
            let consumer = try await AMQPConsumer.start(queue: queue, prefetch: 1, configuration: broker.configuration)
            let delivery = try await consumer.next()
            #expect(delivery.properties == sent)
            #expect(delivery.properties.headers["nested"] == AMQPTableCodecTests.everyType["nested"])
            try await consumer.ack(delivery)
            await consumer.close()
        }
    }

    @Test func quorumQueueWithDeadLetteringDeclaresAndDeadLetters() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        let deadLetterExchange = AMQPBrokerFixture.uniqueName("dlx")
        let deadLetterQueue = AMQPBrokerFixture.uniqueName("dlq")
        try await broker.admin.declareExchange(deadLetterExchange, type: .direct)
        try await broker.admin.declareQueue(deadLetterQueue, arguments: ["x-queue-type": .string("quorum")])
        try await broker.admin.bindQueue(deadLetterQueue, exchange: deadLetterExchange, routingKey: "dead")
        let arguments: AMQPTable = [
            "x-queue-type": .string("quorum"),
            "x-dead-letter-exchange": .string(deadLetterExchange),
            "x-dead-letter-routing-key": .string("dead"),
            "x-message-ttl": .int64(600_000),
        ]
        try await broker.withQueue("quorum", arguments: arguments) { queue in
            // Declaring again with the same arguments is idempotent; different ones are refused with 406.
            try await broker.admin.declareQueue(queue, arguments: arguments)
            await #expect {
                try await broker.admin.declareQueue(queue, arguments: ["x-queue-type": .string("classic")])
            } throws: { error in
                (error as? AMQPError)?.code == .channelClosed && (error as? AMQPError)?.replyCode == 406
            }
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("poison".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            // The channel was reopened after the 406, so the same connection keeps working.
            let delivery = try #require(try await broker.admin.get(queue: queue))
            #expect(try await broker.admin.reject(delivery, requeue: false) == .settled)
            var deadLettered: AMQPDelivery?
            for _ in 0..<100 where deadLettered == nil {
                deadLettered = try await broker.admin.get(queue: deadLetterQueue)
                if deadLettered == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let dead = try #require(deadLettered)
            #expect(dead.body == Array("poison".utf8))
            #expect(dead.properties.headers["x-death"] != nil)
            try await broker.admin.ack(dead)
        }
        let cleanup = try await AMQPConnection.connect(configuration: broker.configuration)
        try await cleanup.deleteQueue(deadLetterQueue)
        try await cleanup.deleteExchange(deadLetterExchange)
        await cleanup.close()
    }

    @Test func publishingToAMissingExchangeOrUnroutableMandatoryFailsTyped() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("routing") { queue in
            let publisher = try await broker.publisher()
            await #expect {
                try await publisher.publish([1], exchange: AMQPBrokerFixture.uniqueName("missing"), routingKey: "k")
            } throws: { error in
                (error as? AMQPError)?.code == .channelClosed && (error as? AMQPError)?.replyCode == 404
            }
            await #expect {
                try await publisher.publish([2], exchange: "amq.direct", routingKey: "no-such-binding", mandatory: true)
            } throws: { error in
                (error as? AMQPError)?.code == .unroutable && (error as? AMQPError)?.replyCode == 312
            }
            // Without `mandatory` the broker drops it silently and confirms; the channel still works.
            try await publisher.publish([3], exchange: "amq.direct", routingKey: "no-such-binding")
            try await publisher.publish([4], exchange: "", routingKey: queue, mandatory: true)
            await publisher.close()
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 1)
        }
    }

    @Test func passiveDeclareReportsTheDepthAndFailsForAMissingQueue() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("depth") { queue in
            let publisher = try await broker.publisher()
            for index in 0..<5 { try await publisher.publish([UInt8(index)], exchange: "", routingKey: queue) }
            await publisher.close()
            let state = try await broker.admin.declareQueuePassive(queue)
            #expect(state.name == queue)
            #expect(state.messageCount == 5)
            await #expect {
                try await broker.admin.declareQueuePassive(AMQPBrokerFixture.uniqueName("absent"))
            } throws: { error in
                (error as? AMQPError)?.code == .channelClosed && (error as? AMQPError)?.replyCode == 404
            }
            #expect(try await broker.admin.purgeQueue(queue) == 5)
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 0)
        }
    }

    @Test func aThousandConcurrentPublishesAreConfirmedPipelined() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("bulk") { queue in
            let publisher = try await broker.publisher()
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        try await publisher.publish(Array("\(index)".utf8), exchange: "", routingKey: queue)
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            #expect(publisher.statistics.peakOutstanding > 1, "confirms must be pipelined, not awaited one by one")
            #expect(elapsed < .seconds(10))
            await publisher.close()
            #expect(try await broker.admin.declareQueuePassive(queue).messageCount == 1000)
        }
    }

    @Test func basicGetReturnsMessagesInOrderThenNil() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("get") { queue in
            let publisher = try await broker.publisher()
            try await publisher.publish(Array("one".utf8), exchange: "", routingKey: queue)
            try await publisher.publish(Array("two".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let first = try #require(try await broker.admin.get(queue: queue))
            #expect(first.body == Array("one".utf8))
            #expect(first.messageCount == 1)
            try await broker.admin.ack(first)
            let second = try #require(try await broker.admin.get(queue: queue))
            #expect(second.body == Array("two".utf8))
            #expect(second.messageCount == 0)
            try await broker.admin.ack(second)
            #expect(try await broker.admin.get(queue: queue) == nil)
        }
    }

    @Test func publishesInFlightWhenTheConnectionDiesThrowAndThePublisherReconnects() async throws {
        let broker = try await AMQPBrokerFixture.connect()
        try await broker.withQueue("publisher-reconnect") { queue in
            let publisher = try await broker.publisher()
            // Each task reports true when confirmed, false when it failed with `.connectionLost`.
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        do {
                            try await publisher.publish(Array("\(index)".utf8), exchange: "", routingKey: queue)
                            return true
                        } catch let error as AMQPError where error.code == .connectionLost {
                            return false
                        }
                    }
                    if index == 150 { try await publisher.breakConnectionForTesting() }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            let confirmed = outcomes.filter { $0 }.count
            #expect(outcomes.count == 300)
            // A publish that is certainly unconfirmed when the socket dies throws instead of reporting success.
            await #expect {
                try await publisher.publish(
                    Array("in flight".utf8),
                    exchange: "",
                    routingKey: queue,
                    properties: AMQPProperties(),
                    mandatory: false,
                    breakingConnectionAfterWrite: true
                )
            } throws: { error in
                (error as? AMQPError)?.code == .connectionLost
            }
            // After the reconnect, publishing works again.
            try await publisher.publish(Array("after".utf8), exchange: "", routingKey: queue)
            await publisher.close()
            let depth = try await broker.admin.declareQueuePassive(queue).messageCount
            // Every confirmed message is in the queue (unconfirmed ones may or may not be).
            #expect(Int(depth) >= confirmed + 1)
            #expect(Int(depth) <= 302)
        }
    }
}
