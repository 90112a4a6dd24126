/// `event.bind/unbind/get` and the offline queue `event.offline.get/clear/list`
/// (`api-reference/events/*.md`).
package enum EventMethods {
    static let handlers: [String: MethodCatalog.Handler] = [
        "event.bind": bind,
        "event.unbind": unbind,
        "event.get": get,
        "event.offline.get": offlineGet,
        "event.offline.clear": offlineClear,
        "event.offline.list": offlineList,
    ]

    /// `{"result": true}`; 400 `ERROR_EVENT_NOT_FOUND`, 400 `ERROR_HANDLER_ALREADY_EXIST`.
    static func bind(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let event = (call["event"]?.stringValue ?? "").uppercased()
        guard state.knownEvents.contains(event) else {
            throw PortalError(.eventNotFound, "Event not found", status: 400)
        }
        let isOffline = call["event_type"]?.stringValue?.lowercased() == "offline"
        let handler = isOffline ? "" : (call["handler"]?.stringValue ?? "")
        guard isOffline || !handler.isEmpty else {
            throw PortalError(.argument, "Handler is not defined", status: 400)
        }
        let authType = call["auth_type"]?.stringValue ?? "0"
        if state.bindings.contains(where: { $0.event == event && $0.handler == handler && $0.isOffline == isOffline }) {
            throw PortalError(.handlerAlreadyExists, "Handler already binded", status: 400)
        }
        state.bindings.append(
            PortalState.EventBinding(
                id: state.nextBindingId,
                event: event,
                handler: handler,
                isOffline: isOffline,
                authType: authType
            )
        )
        state.nextBindingId += 1
        return MethodAnswer(true)
    }

    /// `{"result": {"count": N}}`.
    static func unbind(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let event = (call["event"]?.stringValue ?? "").uppercased()
        let isOffline = call["event_type"]?.stringValue?.lowercased() == "offline"
        let handler = call["handler"]?.stringValue
        let before = state.bindings.count
        state.bindings.removeAll {
            $0.event == event && $0.isOffline == isOffline && (isOffline || handler == nil || $0.handler == handler)
        }
        return MethodAnswer(["count": .int(before - state.bindings.count)])
    }

    /// `{"result": [{"event", "handler", "auth_type", "offline"}]}`.
    static func get(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        MethodAnswer(
            .array(
                state.bindings.map {
                    [
                        "event": .string($0.event), "handler": .string($0.handler), "auth_type": .string($0.authType),
                        "offline": .int($0.isOffline ? 1 : 0),
                    ]
                }
            )
        )
    }

    /// `{"result": {"process_id": ..., "events": [{ID, TIMESTAMP_X, EVENT_NAME, EVENT_DATA, EVENT_ADDITIONAL, MESSAGE_ID}]}}`.
    /// `clear=1` (default) deletes what it returns; `clear=0` reserves it under a new `process_id`.
    static func offlineGet(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let limit = max(1, call["limit"]?.intValue ?? 50)
        let clear = call["clear"].map(\.isTruthy) ?? true
        let requestedProcess = call["process_id"]?.stringValue
        let eventFilter = call["filter"]?["EVENT_NAME"]?.stringValue?.uppercased()
        var chosen: [Int] = []
        for (index, record) in state.offlineQueue.enumerated() where chosen.count < limit {
            let visible = requestedProcess.map { record.processId == $0 } ?? (record.processId == nil)
            if visible, eventFilter == nil || record.eventName == eventFilter { chosen.append(index) }
        }
        let records = chosen.map { state.offlineQueue[$0] }
        var processId: JSONValue = .null
        if clear {
            let ids = Set(records.map(\.id))
            state.offlineQueue.removeAll { ids.contains($0.id) }
        } else {
            let process = requestedProcess ?? String(PortalState.randomToken().prefix(16))
            for index in chosen { state.offlineQueue[index].processId = process }
            processId = records.isEmpty && requestedProcess == nil ? .null : .string(process)
        }
        return MethodAnswer(["process_id": processId, "events": .array(records.map(render))])
    }

    /// `{"result": true}`: drops the rows reserved under `process_id` (all, or only `id[]` / `message_id[]`).
    static func offlineClear(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        guard let process = call["process_id"]?.stringValue, !process.isEmpty else {
            throw PortalError(.argument, "Process ID is not defined", status: 400)
        }
        let ids = Set((call["id"]?.elements ?? []).compactMap(\.intValue))
        let messageIds = Set((call["message_id"]?.elements ?? []).compactMap(\.stringValue))
        state.offlineQueue.removeAll { record in
            record.processId == process
                && (ids.isEmpty && messageIds.isEmpty || ids.contains(record.id)
                    || messageIds.contains(record.messageId))
        }
        return MethodAnswer(true)
    }

    /// Reads the queue without changing it; adds `PROCESS_ID` and `ERROR`, pages by 50 with `total`.
    static func offlineList(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let start = max(0, call["start"]?.intValue ?? 0)
        let rows = state.offlineQueue.dropFirst(start).prefix(ItemListQuery.pageSize).map { record in
            render(record).setting("PROCESS_ID", to: record.processId.map { .string($0) } ?? .null)
                .setting("ERROR", to: "0")
        }
        let next = start + ItemListQuery.pageSize < state.offlineQueue.count ? start + ItemListQuery.pageSize : nil
        return MethodAnswer(.array(rows), total: state.offlineQueue.count, next: next)
    }

    private static func render(_ record: PortalState.OfflineEvent) -> JSONValue {
        [
            "ID": .string(String(record.id)), "TIMESTAMP_X": .string(record.timestamp),
            "EVENT_NAME": .string(record.eventName), "EVENT_DATA": record.data, "EVENT_ADDITIONAL": .array([]),
            "MESSAGE_ID": .string(record.messageId),
        ]
    }
}
