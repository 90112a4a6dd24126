package import Hummingbird
import NIOCore

/// Routes every request by hand, because a portal is chosen by Host header or `/portal/<domain>` prefix and
/// webhook paths carry credentials: `/_sim/...` admin API, `/oauth/token/`, `/rest/...`.
package struct SimulatorResponder: HTTPResponder {
    package typealias Context = SimulatorRequestContext

    let simulator: PortalSimulator

    /// Requests larger than this are refused (a real portal's limit is larger; this keeps memory bounded).
    static let maximumBodySize = 32 * 1024 * 1024

    package func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let bodyBytes = Array(buffer: try await request.body.collect(upTo: Self.maximumBodySize))
        if path.hasPrefix("/_sim/") || path == "/_sim" {
            let admin = AdminRoutes(simulator: simulator)
            let (status, body) = admin.handle(
                method: request.method.rawValue,
                path: path,
                body: bodyBytes,
                query: request.uri.query ?? ""
            )
            return Self.json(status, body)
        }
        var domain = Self.host(of: request)
        var restPath = Substring(path)
        var prefix = ""
        if restPath.hasPrefix("/portal/") {
            let afterPrefix = restPath.dropFirst("/portal/".count)
            let end = afterPrefix.firstIndex(of: "/") ?? afterPrefix.endIndex
            domain = String(afterPrefix[..<end])
            prefix = "/portal/\(domain)"
            restPath = afterPrefix[end...]
        }
        let parameters = Self.parameters(query: request.uri.query ?? "", body: bodyBytes, request: request)
        if restPath.hasPrefix("/oauth/token") {
            let (status, body) = OAuthEndpoint(simulator: simulator).refresh(parameters.value)
            return Self.json(status, body)
        }
        guard let portal = simulator.portal(domain) else {
            if let newDomain = simulator.renamedDomain(domain) {
                return Self.redirect(request: request, oldDomain: domain, newDomain: newDomain, prefix: prefix)
            }
            return Self.json(
                404,
                ["error": "PORTAL_NOT_FOUND", "error_description": .string("Portal \(domain) not found")]
            )
        }
        guard restPath.hasPrefix("/rest/") else {
            return Self.json(404, PortalError.methodNotFound.body)
        }
        if let failure = parameters.failure {
            portal.countError(failure)
            return Self.json(failure.status, failure.body)
        }
        guard let restRequest = RestRequest(restPath: restPath.dropFirst("/rest/".count), parameters: parameters.value)
        else {
            portal.countError(.methodNotFound)
            return Self.json(404, PortalError.methodNotFound.body)
        }
        let decision = portal.process(restRequest, now: simulator.clock.now(), randomDraw: Double.random(in: 0..<1))
        defer { simulator.dispatchEffects(of: portal) }
        switch decision {
        case .respond(let status, let body):
            return Self.json(status, body)
        case .fault(let rule, let call):
            return try await actOut(rule, call: call, portal: portal, context: context)
        }
    }

    /// Plays an injected fault.
    private func actOut(_ rule: FaultRule, call: MethodCall, portal: Portal, context: Context) async throws -> Response
    {
        switch rule.action {
        case .serviceUnavailable:
            portal.countError(.queryLimitExceeded)
            return Self.json(503, PortalError.queryLimitExceeded.body)
        case .internalError:
            if rule.afterWrite { _ = portal.execute(call) }
            portal.countError(.internalServerError)
            return Self.json(500, PortalError.internalServerError.body)
        case .slow:
            try await Task.sleep(for: .milliseconds(rule.delayMilliseconds))
            guard case .respond(let status, let body) = portal.execute(call) else {
                return Self.json(500, PortalError.internalServerError.body)
            }
            return Self.json(status, body)
        case .dropConnection:
            if rule.afterWrite { _ = portal.execute(call) }
            try? await context.channel.close()
            throw CancellationError()
        }
    }

    /// `auth` and method parameters from the query string merged with a form or JSON body (body wins).
    static func parameters(query: String, body: [UInt8], request: Request) -> (value: JSONValue, failure: PortalError?)
    {
        var members = FormParameters.decode(query).members
        func merge(_ extra: [JSONMember]) {
            for member in extra {
                if let index = members.firstIndex(where: { $0.key == member.key }) {
                    members[index] = member
                } else {
                    members.append(member)
                }
            }
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if contentType.contains("json") || (!contentType.contains("form") && trimmed.first == UInt8(ascii: "{")) {
            if !trimmed.isEmpty {
                do {
                    merge(try JSONParser.parse(Array(trimmed)).members)
                } catch {
                    return (.object(members), PortalError(.invalidRequest, "Invalid JSON in request body", status: 400))
                }
            }
        } else if !body.isEmpty {
            merge(FormParameters.decode(String(decoding: body, as: UTF8.self)).members)
        }
        return (.object(members), nil)
    }

    static func host(of request: Request) -> String {
        let authority = request.head.authority ?? ""
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            return String(authority[..<colon]).lowercased()
        }
        return authority.lowercased()
    }

    /// HTTP 302 to the same path on the renamed portal (`settings/how-to-call-rest-api/change-domen.md`).
    static func redirect(request: Request, oldDomain: String, newDomain: String, prefix: String) -> Response {
        let authority = request.head.authority ?? "127.0.0.1"
        var location: String
        if prefix.isEmpty {
            let port = authority.lastIndex(of: ":").map { String(authority[$0...]) } ?? ""
            location = "http://\(newDomain)\(port)\(request.uri.path)"
        } else {
            location = "http://\(authority)/portal/\(newDomain)" + request.uri.path.dropFirst(prefix.count)
        }
        if let query = request.uri.query, !query.isEmpty { location += "?" + query }
        return Response(status: .found, headers: [.location: location, .contentLength: "0"], body: .init())
    }

    static func json(_ status: Int, _ body: JSONValue) -> Response {
        let bytes = body.bytes
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
