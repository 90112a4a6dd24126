import Synchronization

/// One simulated portal: its state behind a mutex, so every REST call is applied atomically.
package final class Portal: Sendable {
    /// The answer to a REST request, or a fault the transport must act out.
    package enum Decision: Sendable {
        case respond(status: Int, body: JSONValue)
        /// An injected fault; `call` is what to run when the fault applies the write anyway.
        case fault(FaultRule, call: MethodCall)
    }

    let state: Mutex<PortalState>

    package init(configuration: PortalConfiguration, publicBaseURL: String) {
        state = Mutex(PortalState(configuration: configuration, publicBaseURL: publicBaseURL))
    }

    package var domain: String { state.withLock { $0.configuration.domain } }

    /// Authenticates, applies the request limit, picks an injected fault, then runs the method.
    /// Effects (events, robots) are appended to the state's outbox; call ``drainEffects()`` afterwards.
    package func process(_ request: RestRequest, now: Double, randomDraw: Double) -> Decision {
        state.withLock { state in
            let userId: Int
            let isApplication: Bool
            switch request.credential {
            case .webhook(let hookUser, let code):
                guard hookUser == state.configuration.webhookUserId, code == state.configuration.webhookCode else {
                    return Self.refuse(.invalidCredentials, &state)
                }
                userId = hookUser
                isApplication = false
            case .accessToken(let token):
                guard let token, !token.isEmpty else { return Self.refuse(.noAuthFound, &state) }
                guard let expiry = state.accessTokens[token] else { return Self.refuse(.invalidToken, &state) }
                guard expiry > now else { return Self.refuse(.expiredToken, &state) }
                userId = state.configuration.webhookUserId
                isApplication = true
            }
            guard MethodCatalog.isAvailable(request.method, on: state.configuration) else {
                state.statistics.callsByMethod[request.method, default: 0] += 1
                return Self.refuse(.methodNotFound, &state)
            }
            state.statistics.requests += 1
            guard state.rateLimiter.admit(at: now) else {
                state.statistics.rateLimitRefusals += 1
                return Self.refuse(.queryLimitExceeded, &state)
            }
            let call = MethodCall(
                method: request.method,
                parameters: request.parameters,
                userId: userId,
                isApplication: isApplication,
                now: now
            )
            if let index = state.faults.firstIndex(where: { $0.matches(request.method) }),
                randomDraw < state.faults[index].probability
            {
                let rule = state.faults[index]
                if let remaining = rule.remaining { state.faults[index].remaining = remaining - 1 }
                state.statistics.faultsInjected += 1
                return .fault(rule, call: call)
            }
            return Self.run(call, &state)
        }
    }

    /// Runs an already admitted call (after a `slow` fault's delay, or a fault that applies the write first).
    package func execute(_ call: MethodCall) -> Decision {
        state.withLock { Self.run(call, &$0) }
    }

    /// Reads or changes the state atomically (admin API, tests).
    package func withState<Value>(_ body: (inout PortalState) throws(PortalError) -> Value) throws(PortalError) -> Value
    {
        try state.withLock { state throws(PortalError) -> Value in try body(&state) }
    }

    /// Reads or changes the state atomically when the body cannot fail.
    package func update<Value>(_ body: (inout PortalState) -> Value) -> Value {
        state.withLock { body(&$0) }
    }

    /// Takes the side effects of the calls so far.
    package func drainEffects() -> [PortalState.Effect] {
        state.withLock { $0.drainOutbox() }
    }

    /// Counts an injected error answer in the statistics.
    package func countError(_ error: PortalError) {
        state.withLock { $0.countError(error) }
    }

    private static func refuse(_ error: PortalError, _ state: inout PortalState) -> Decision {
        state.countError(error)
        return .respond(status: error.status, body: error.body)
    }

    private static func run(_ call: MethodCall, _ state: inout PortalState) -> Decision {
        let (outcome, time) = state.perform(call)
        switch outcome {
        case .success(let answer):
            var members = [JSONMember(key: "result", value: answer.result)]
            if let total = answer.total { members.append(JSONMember(key: "total", value: .int(total))) }
            if let next = answer.next { members.append(JSONMember(key: "next", value: .int(next))) }
            members.append(JSONMember(key: "time", value: time))
            return .respond(status: 200, body: .object(members))
        case .failure(let error):
            state.countError(error)
            return .respond(status: error.status, body: error.body)
        }
    }
}
