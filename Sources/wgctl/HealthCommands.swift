#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkApp
import UplinkCore
import UplinkSystem

/// `wgctl uplink test|check|daemon|notify|release`: health, the daemon and its wake-ups.
enum HealthCommands {
    static let test = CommandSpec(
        name: "test",
        abstract: "Check an uplink layer by layer: underlay, tunnel, provider, internet, DNS (at most 15 s).",
        arguments: [UplinkCommands.peerArgument], run: runTest)

    static let check = CommandSpec(name: "check", abstract: "Run one round of health checks on every path and record it (for cron).", run: runCheck)

    static let daemon = CommandSpec(name: "daemon", abstract: "Run the health daemon in the foreground (procd runs it; one per root).", run: runDaemon)

    static let notifyActions = ["ifup", "ifdown", "connected", "disconnected", "reload", "check"]
    static let notify = CommandSpec(
        name: "notify",
        abstract: "Wake the daemon: an interface event from hotplug (ACTION INTERFACE [DEVICE]), reload or check.",
        arguments: [ArgumentSpec(name: "action", help: notifyActions.joined(separator: " | ")),
                    ArgumentSpec(name: "rest", help: "Interface and device.", variadic: true)],
        run: runNotify)

    static let release = CommandSpec(
        name: "release",
        abstract: "Hand back to mwan3 every interface the daemon holds out of use (the init script runs it on stop; refused while a daemon runs).",
        options: [.value("wait", "SECONDS", "Wait up to SECONDS for a stopping daemon to be gone first (the init script waits 16; default 0).")],
        run: runRelease)

    static func runTest(_ p: ParsedCommand) throws {
        let common = Common(p)
        let peer = try validatedPeer(p.argument("peer-id"))
        var failed = false
        try failing(common) {
            let v = try common.service.test(peer)
            failed = v["passed"]?.boolValue == false
            emit(common, v) { testHuman($0) }
        }
        if failed { throw ExitStatus(1) }
    }

    static func testHuman(_ v: JSONValue) -> String {
        var lines = ["Uplink \(Output.text(v["peer_id"])) (\(Output.text(v["interface"]))), \(Output.text(v["duration_ms"])) ms:"]
        var t = TextTable(["LAYER", "RESULT", "MEASURED", "DETAIL"])
        for l in v["layers"]?.arrayValue ?? [] {
            t.add([Output.text(l["layer"]), (l["status"]?.stringValue ?? "?").uppercased(), Output.text(l["measured"]), Output.text(l["detail"])])
        }
        lines.append(t.render())
        for l in v["layers"]?.arrayValue ?? [] where l["status"]?.stringValue == "fail" {
            lines.append("")
            lines.append("\(Output.text(l["layer"])) failed: \(Output.text(l["hint"]))")
            if let c = l["command"]?.stringValue { lines.append("look further: \(c)") }
        }
        if v["passed"]?.boolValue == true {
            let skipped = (v["layers"]?.arrayValue ?? []).filter { $0["status"]?.stringValue == "skip" }.compactMap { $0["layer"]?.stringValue }
            lines.append(skipped.isEmpty ? "All layers pass." : "Passed; not measured: \(skipped.joined(separator: ", ")) (see DETAIL).")
        }
        return lines.joined(separator: "\n")
    }

    static func runCheck(_ p: ParsedCommand) throws {
        let common = Common(p)
        try failing(common) {
            let v = try common.service.checkOnce()
            emit(common, v) { v in
                if v["delegated"]?.boolValue == true { return Output.text(v["message"]) }
                var t = TextTable(["PATH", "DEVICE", "STATE", "LATENCY", "LOSS", "DETAIL"])
                for p in v["paths"]?.arrayValue ?? [] {
                    t.add([Output.text(p["path"]), Output.text(p["device"]), Output.text(p["state"]), Output.ms(p["latency_ms"]),
                           Output.pct(p["loss_pct"]), Output.text(p["detail"])])
                }
                return t.render()
            }
        }
    }

    static func runDaemon(_ p: ParsedCommand) throws {
        // unbuffered lines: procd sends stdout to syslog, the lab to a log file
        let d = try UplinkApp.Daemon(service: Common(p).service) { line in
            let text = "\(stamp()) \(line)\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(1, $0.baseAddress, $0.count - 1) }
        }
        try d.run()
    }

    static func stamp() -> String {
        let t = Clock.now()
        var secs = time_t(t)
        var tm = tm()
        localtime_r(&secs, &tm)
        let ms = Int((t - Double(Int(t))) * 1000)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)).\(String(ms).leftPadded(3))"
    }

    static func runNotify(_ p: ParsedCommand) throws {
        let common = Common(p)
        let action = p.argument("action") ?? ""
        let rest = p.rest("rest")
        guard notifyActions.contains(action) else { throw UsageError("unknown action '\(action)'") }
        for r in rest where r.utf8.count > 32 || r.contains(" ") { throw UsageError("bad interface name") }
        let sent = WakeSocket.send(([action] + rest).joined(separator: " "), to: common.paths.wakeSocket)
        // exit 1 when nobody listens: the init script starts the daemon then
        if !sent && !common.json { Output.err("no daemon is listening on \(common.paths.wakeSocket)") }
        if common.json { print(JSON.serialize(.object([("success", .bool(sent)), ("delivered", .bool(sent))]))) }
        if !sent { throw ExitStatus(1) }
    }

    static func runRelease(_ p: ParsedCommand) throws {
        let common = Common(p)
        try failing(common) {
            let wait = try p.int("wait") ?? 0
            guard (0...600).contains(wait) else { throw UsageError("--wait takes 0 to 600 seconds") }
            let released = try Mwan3Release.run(paths: common.paths, wait: Double(wait))
            if common.json {
                Output.json(.object([("released", .array(released.map { .string($0) }))]))
            } else if !released.isEmpty {
                print("mwan3 uses again: \(released.joined(separator: ", "))")
            }
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
