/// Running one method: availability, the per-method operating limit, the handler and the `time` block.
extension PortalState {
    /// Runs `call` (a top-level call or a `batch` command) and returns its answer and `time` block.
    package mutating func perform(_ call: MethodCall, insideBatch: Bool = false) -> (
        Result<MethodAnswer, PortalError>, JSONValue
    ) {
        let method = call.method
        statistics.callsByMethod[method, default: 0] += 1
        guard MethodCatalog.isAvailable(method, on: configuration) else {
            return (
                .failure(.methodNotFound), timeBlock(method: method, start: call.now, processing: 0, accounted: false)
            )
        }
        if method == "batch" {
            guard !insideBatch else {
                let error = PortalError(.batchMethodNotAllowed, "Batch call is not allowed in batch", status: 405)
                return (.failure(error), timeBlock(method: method, start: call.now, processing: 0, accounted: false))
            }
            let result = Result { () throws(PortalError) -> MethodAnswer in try batch(call) }
            return (result, timeBlock(method: method, start: call.now, processing: 0.001, accounted: false))
        }
        if method.hasPrefix("event."), !call.isApplication, configuration.eventMethodsRequireApplication {
            let error = PortalError(.wrongAuthType, "Current authorization type is denied for this method", status: 403)
            return (.failure(error), timeBlock(method: method, start: call.now, processing: 0, accounted: false))
        }
        guard operatingLimiter.isAllowed(method, at: call.now) else {
            statistics.operatingRefusals += 1
            return (
                .failure(.operationTimeLimit),
                timeBlock(method: method, start: call.now, processing: 0, accounted: true)
            )
        }
        let handler = MethodCatalog.handlers[method]!
        let result = Result { () throws(PortalError) -> MethodAnswer in try handler(call, &self) }
        let cost = configuration.operatingCostSeconds[method] ?? configuration.operatingCostSeconds["*"] ?? 0.001
        operatingLimiter.record(method, seconds: cost, at: call.now)
        return (result, timeBlock(method: method, start: call.now, processing: cost, accounted: true))
    }

    /// The envelope's `time`: `start`, `finish`, `duration`, `processing`, `date_start`, `date_finish`, and for
    /// accounted methods `operating_reset_at` and `operating` (`api-reference/data-types.md#time`).
    package mutating func timeBlock(method: String, start: Double, processing: Double, accounted: Bool) -> JSONValue {
        let finish = start + processing + 0.0002
        var members: [JSONMember] = [
            JSONMember(key: "start", value: .double(start)),
            JSONMember(key: "finish", value: .double(finish)),
            JSONMember(key: "duration", value: .double(finish - start)),
            JSONMember(key: "processing", value: .double(processing)),
            JSONMember(key: "date_start", value: .string(dates.string(fromUnix: start))),
            JSONMember(key: "date_finish", value: .string(dates.string(fromUnix: finish))),
        ]
        if accounted, operatingLimiter.limits.isEnabled {
            members.append(
                JSONMember(key: "operating_reset_at", value: .int(operatingLimiter.resetAt(method, at: start)))
            )
            members.append(JSONMember(key: "operating", value: .double(operatingLimiter.operating(method, at: start))))
        }
        return .object(members)
    }

    /// `batch` (`settings/how-to-call-rest-api/batch.md`): up to 50 `cmd[key]=method?query` commands, `halt`,
    /// `$result[key][path]` references; answers `result`, `result_error`, `result_total`, `result_next`, `result_time`.
    private mutating func batch(_ call: MethodCall) throws(PortalError) -> MethodAnswer {
        let commands = call["cmd"]?.members ?? []
        guard commands.count <= 50 else {
            throw PortalError(.batchLengthExceeded, "Max batch length exceeded", status: 400)
        }
        let halt = call["halt"]?.isTruthy ?? false
        var results: [JSONMember] = []
        var errors: [JSONMember] = []
        var totals: [JSONMember] = []
        var nexts: [JSONMember] = []
        var times: [JSONMember] = []
        for command in commands {
            guard let text = command.value.stringValue else { continue }
            let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            var method = String(parts[0]).lowercased()
            if method.hasSuffix(".json") { method.removeLast(5) }
            let query = parts.count > 1 ? String(parts[1]) : ""
            let references: [String: [JSONMember]] = ["result": results, "total": totals, "next": nexts]
            let parameters = Self.substitute(FormParameters.decode(query), references: references)
            let nested = MethodCall(
                method: method,
                parameters: parameters,
                userId: call.userId,
                isApplication: call.isApplication,
                now: call.now
            )
            let (outcome, time) = perform(nested, insideBatch: true)
            switch outcome {
            case .success(let answer):
                results.append(JSONMember(key: command.key, value: answer.result))
                if let total = answer.total { totals.append(JSONMember(key: command.key, value: .int(total))) }
                if let next = answer.next { nexts.append(JSONMember(key: command.key, value: .int(next))) }
                times.append(JSONMember(key: command.key, value: time))
            case .failure(let error):
                errors.append(JSONMember(key: command.key, value: error.body))
            }
            if halt, !errors.isEmpty { break }
        }
        func section(_ members: [JSONMember]) -> JSONValue { members.isEmpty ? .array([]) : .object(members) }
        return MethodAnswer(
            [
                "result": section(results), "result_error": section(errors), "result_total": section(totals),
                "result_next": section(nexts), "result_time": section(times),
            ]
        )
    }

    /// Replaces `$result[cmd][a][b]` (and `$next[cmd]`, `$total[cmd]`) in every parameter value; an unresolved
    /// reference is left as written, as the portal does.
    static func substitute(_ value: JSONValue, references: [String: [JSONMember]]) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.map { JSONMember(key: $0.key, value: substitute($0.value, references: references)) })
        case .string(let text) where text.contains("$"):
            return .string(resolveReferences(in: text, references: references))
        default:
            return value
        }
    }

    private static func resolveReferences(in text: String, references: [String: [JSONMember]]) -> String {
        var output = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            let name = String(rest.prefix { $0.isLetter })
            guard let root = references[name] else {
                output += "$"
                continue
            }
            var cursor = rest.dropFirst(name.count)
            var path: [String] = []
            while cursor.first == "[", let close = cursor.firstIndex(of: "]") {
                path.append(String(cursor[cursor.index(after: cursor.startIndex)..<close]))
                cursor = cursor[cursor.index(after: close)...]
            }
            var current: JSONValue? = .object(root)
            for key in path { current = current?.members.first { $0.key == key }?.value }
            if let resolved = current?.stringValue, !path.isEmpty {
                output += resolved
                rest = cursor
            } else {
                output += "$"
            }
        }
        output += rest
        return output
    }
}
