import Bitrix24
import SyncCore

/// Builds event bodies exactly as a portal posts them (form-encoded, PHP bracket keys percent-encoded), for the
/// benchmark and for tests that post events themselves.
package enum EventForm {
    /// The body of `event` for item `id`; with `accessToken` the change looks made by a user, without by automation.
    package static func body(
        event: String,
        id: Int64,
        entityTypeId: Int? = nil,
        ts: Int64,
        domain: String,
        memberID: String,
        applicationToken: String?,
        accessToken: String? = nil
    ) -> [UInt8] {
        var fields: JSONObject = ["ID": .string(String(id))]
        if let entityTypeId { fields["ENTITY_TYPE_ID"] = .string(String(entityTypeId)) }
        var auth = JSONObject()
        if let accessToken {
            auth["access_token"] = .string(accessToken)
            auth["expires_in"] = "3600"
            auth["scope"] = "crm"
        }
        auth["domain"] = .string(domain)
        auth["server_endpoint"] = "https://oauth.bitrix.info/rest/"
        auth["client_endpoint"] = .string("https://\(domain)/rest/")
        auth["member_id"] = .string(memberID)
        if let applicationToken { auth["application_token"] = .string(applicationToken) }
        let form: JSONObject = [
            "event": .string(event), "event_handler_id": "1", "data": ["FIELDS": .object(fields)],
            "ts": .string(String(ts)), "auth": .object(auth),
        ]
        return Array(Bitrix24QueryEncoding.queryString(form).utf8)
    }
}
