import UplinkCore

/// The auto_add lines of `wgctl uplink status` (from its `auto_add` object): whether the
/// daemon keeps min_uplinks itself, why it waits, the skip list and its recent actions.
enum AutoAddText {
    static func lines(_ status: JSONValue, now: Double) -> [String] {
        guard let a = status["auto_add"], case .object = a else { return [] }
        guard a["enabled"]?.boolValue == true else {
            return ["Auto add: off (option auto_add '1' keeps min_uplinks \(Output.text(a["min_uplinks"])) from trusted offers)"]
        }
        var out = ["Auto add: on: \(Output.text(a["waiting"]))"]
        if let s = a["next_add_in_s"]?.intValue { out.append("  next add possible in \(s) s") }
        let skip = (a["skip"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !skip.isEmpty { out.append("  never added again (removed by hand, auto_add_skip): \(skip.joined(separator: ", "))") }
        for x in (a["actions"]?.arrayValue ?? []).prefix(5) {
            let remove = x["action"]?.stringValue == "remove", peer = Output.text(x["peer_id"])
            let when = "  \(Output.age(since: x["time"], now: now)) ago: "
            if x["ok"]?.boolValue == true {
                out.append(when + "\(remove ? "removed" : "added") \(peer): \(Output.text(x["reason"]))")
            } else {
                out.append(when + "\(remove ? "removing" : "adding") \(peer) failed: \(Output.text(x["error"]))")
            }
        }
        return out
    }

    /// The PATH column's name of an uplink, marked when the daemon added it.
    static func pathName(_ uplink: JSONValue) -> String {
        "uplink:" + Output.text(uplink["peer_id"]) + (uplink["automatic"]?.boolValue == true ? " (auto)" : "")
    }
}
