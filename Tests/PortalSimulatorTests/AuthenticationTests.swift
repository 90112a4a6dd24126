import PortalSimulator
import Testing

/// Webhook and OAuth authentication (`_includes/system-errors.md`, `settings/oauth/index.md`) and portal renames
/// (`settings/how-to-call-rest-api/change-domen.md`).
@Suite struct AuthenticationTests {
    /// A wrong webhook code → HTTP 401 INVALID_CREDENTIALS "Invalid request credentials".
    @Test func wrongWebhookCodeIsRefused() async throws {
        try await SimulatorHarness().run { client in
            let answer = try await client.raw(
                "/portal/\(SimulatorHarness.domain)/rest/1/wrongcode/server.time.json",
                body: "",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(answer.status == 401)
            #expect(
                answer.json == ["error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"]
            )
        }
    }

    /// No `auth` on an OAuth-style call → HTTP 401 NO_AUTH_FOUND "Wrong authorization data".
    @Test func missingTokenIsRefused() async throws {
        try await SimulatorHarness().run { client in
            let answer = try await client.get("/portal/\(SimulatorHarness.domain)/rest/server.time.json")
            #expect(answer.status == 401)
            #expect(answer.json == ["error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"])
        }
    }

    /// An unknown method → HTTP 404 ERROR_METHOD_NOT_FOUND "Method not found!".
    @Test func unknownMethodIsNotFound() async throws {
        try await SimulatorHarness().run { client in
            let answer = try await client.call("crm.nothing.here")
            #expect(answer.status == 404)
            #expect(answer.json == ["error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"])
        }
    }

    /// Access token works (query `auth` or body `auth`), expires → 401 expired_token; refresh works once,
    /// the same refresh token a second time → invalid_grant.
    @Test func accessTokensExpireAndRefreshTokensAreSingleUse() async throws {
        let harness = SimulatorHarness()
        let (access, refresh, clientId, secret) = harness.portal.update { state in
            let tokens = state.issueTokens(now: harness.clock.now())
            return (tokens.access, tokens.refresh, state.configuration.clientId, state.configuration.clientSecret)
        }
        try await harness.run { client in
            let base = "/portal/\(SimulatorHarness.domain)/rest/"
            let viaQuery = try await client.get(base + "server.time.json?auth=\(access)")
            #expect(viaQuery.status == 200)
            let viaBody = try await client.raw(
                base + "crm.item.list",
                body: #"{"entityTypeId":2,"auth":"\#(access)"}"#,
                contentType: "application/json"
            )
            #expect(viaBody.status == 200)
            harness.clock.advance(by: 3601)
            let expired = try await client.get(base + "server.time.json?auth=\(access)")
            #expect(expired.status == 401)
            #expect(
                expired.json == [
                    "error": "expired_token", "error_description": "The access token provided has expired",
                ]
            )

            let refreshPath =
                "/oauth/token/?grant_type=refresh_token&client_id=\(clientId)&client_secret=\(secret)&refresh_token=\(refresh)"
            let renewed = try await client.get(refreshPath)
            #expect(renewed.status == 200)
            for key in [
                "access_token", "refresh_token", "expires_in", "member_id", "domain", "client_endpoint",
                "server_endpoint", "scope", "expires", "status", "user_id",
            ] {
                #expect(renewed.json[key] != nil, "missing \(key)")
            }
            #expect(renewed.json["expires_in"] == .int(3600))
            #expect(renewed.json["domain"] == "oauth.bitrix.info")
            #expect(
                renewed.json["client_endpoint"]
                    == .string("http://127.0.0.1:8090/portal/\(SimulatorHarness.domain)/rest/")
            )
            #expect(renewed.json["refresh_token"] != .string(refresh))
            let newAccess = try #require(renewed.json["access_token"]?.stringValue)
            #expect(try await client.get(base + "server.time.json?auth=\(newAccess)").status == 200)

            let reused = try await client.get(refreshPath)
            #expect(reused.status == 400)
            #expect(reused.json["error"] == "invalid_grant")
            let badSecret = try await client.get(
                "/oauth/token/?grant_type=refresh_token&client_id=\(clientId)&client_secret=nope&refresh_token=\(renewed.json["refresh_token"]?.stringValue ?? "")"
            )
            #expect(badSecret.json["error"] == "invalid_client")
        }
    }

    /// A renamed portal's old address answers HTTP 302 with the same path on the new domain.
    @Test func renamedPortalRedirects() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            let renamed = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/rename",
                ["domain": "acme-new.bitrix24.ru"]
            )
            #expect(renamed.status == 200)
            let old = try await client.get(client.webhookPath + "server.time.json?x=1")
            #expect(old.status == 302)
            let newPath =
                "/portal/acme-new.bitrix24.ru"
                + client.webhookPath.dropFirst("/portal/\(SimulatorHarness.domain)".count)
            let location = try #require(old.location)
            #expect(location.hasSuffix(newPath + "server.time.json?x=1"))
            let moved = try await client.get(newPath + "server.time")
            #expect(moved.status == 200)
        }
    }
}
