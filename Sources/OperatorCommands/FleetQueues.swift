package import FleetRuntime

/// The fleet's queues as an operator command sees them: each work queue with its retry-delay, hold and dead-letter
/// queues, derived from the topology file and the contract exactly as `syncctl setup` declares them.
package struct FleetQueues: Sendable, Equatable {
    /// One work queue and the queues that belong to it.
    package struct Family: Sendable, Equatable {
        /// `upsert`, `delete` or `pull`.
        package var operation: String
        package var work: String
        package var hold: String
        package var dead: String
        /// The retry-delay queues (`sync.upsert.retry.1700ms`), shortest delay first.
        package var retries: [String]
    }

    package var families: [Family]

    package init(plan: TopologyPlan, definition: TopologyDefinition) {
        families = definition.workQueues.map { work in
            let schedule = plan.retrySchedules[work.operation]
            return Family(
                operation: work.operation,
                work: work.name,
                hold: definition.holdQueue(of: work.name),
                dead: definition.deadLetterQueue(of: work.name),
                retries: schedule.map { schedule in schedule.allDelays.map { schedule.queueName(delayMilliseconds: $0) }
                }
                    ?? []
            )
        }
    }

    /// The families whose work queue or operation is named in `names`; all of them when `names` is empty.
    ///
    /// - Throws: ``OperatorCommandError`` naming the unknown queue and the known ones.
    package func selecting(_ names: [String]) throws -> [Family] {
        guard !names.isEmpty else { return families }
        return try names.map { name in
            guard let family = families.first(where: { $0.work == name || $0.operation == name }) else {
                let known = families.map(\.work).joined(separator: ", ")
                throw OperatorCommandError(.unknownQueue, "no work queue '\(name)'; the fleet's are \(known)")
            }
            return family
        }
    }
}
