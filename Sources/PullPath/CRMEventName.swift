/// A Bitrix24 CRM event name read as an action on an entity type: `ONCRMDEALUPDATE` is an update of a deal (2),
/// `ONCRMDYNAMICITEMADD` an add of the smart-process item whose type the body names, `…_1280` the per-type form.
package struct CRMEventName: Sendable, Equatable {
    package var action: PortalEventMessage.Action
    /// Known from the name for deals and per-type events; otherwise from `data[FIELDS][ENTITY_TYPE_ID]`.
    package var entityTypeId: Int?

    package init?(_ name: String) {
        let upper = name.uppercased()
        let actions: [(String, PortalEventMessage.Action)] = [("ADD", .add), ("UPDATE", .update), ("DELETE", .delete)]
        for (suffix, action) in actions {
            if upper == "ONCRMDEAL" + suffix {
                self.action = action
                entityTypeId = 2
                return
            }
            if upper == "ONCRMDYNAMICITEM" + suffix {
                self.action = action
                entityTypeId = nil
                return
            }
            let typed = "ONCRMDYNAMICITEM" + suffix + "_"
            if upper.hasPrefix(typed), let type = Int(upper.dropFirst(typed.count)), type > 0 {
                self.action = action
                entityTypeId = type
                return
            }
        }
        return nil
    }
}
