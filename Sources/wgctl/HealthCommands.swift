import ArgumentParser
import Glibc
import UplinkApp
import UplinkCore
import UplinkSystem

extension UplinkCommand {
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Check an uplink layer by layer: underlay, tunnel, provider, internet, DNS (at most 15 s).")
        @OptionGroup var common: Common
        @Argument(help: "The provider's peer id.") var peerID: String

        func validate() throws { _ = try validatedPeer(peerID) }

        func run() throws {
            var failed = false
            try failing(common) {
                let v = try common.service.test(try PeerID(validating: peerID))
                failed = v["passed"]?.boolValue == false
                emit(common, v) { Self.human($0) }
            }
            if failed { throw ExitCode(1) }
        }

        static func human(_ v: JSONValue) -> String {
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
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Run one round of health checks on every path and record it (for cron).")
        @OptionGroup var common: Common

        func run() throws {
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
    }

    struct Daemon: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "daemon",
            abstract: "Run the health daemon in the foreground (procd runs it; one per root).")
        @OptionGroup var common: Common

        func run() throws {
            // unbuffered lines: procd sends stdout to syslog, the lab to a log file
            let d = try UplinkApp.Daemon(service: common.service) { line in
                let text = "\(Self.stamp()) \(line)\n"
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
    }

    struct Notify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify",
            abstract: "Wake the daemon: an interface event from hotplug (ACTION INTERFACE [DEVICE]), reload or check.")
        @OptionGroup var common: Common
        @Argument(help: "ifup | ifdown | connected | disconnected | reload | check") var action: String
        @Argument(help: "Interface and device.") var rest: [String] = []

        func validate() throws {
            guard ["ifup", "ifdown", "connected", "disconnected", "reload", "check"].contains(action) else {
                throw ValidationError("unknown action '\(action)'")
            }
            for r in rest where r.utf8.count > 32 || r.contains(" ") { throw ValidationError("bad interface name") }
        }

        func run() throws {
            let sent = WakeSocket.send(([action] + rest).joined(separator: " "), to: common.paths.wakeSocket)
            // exit 1 when nobody listens: the init script starts the daemon then
            if !sent && !common.json { Output.err("no daemon is listening on \(common.paths.wakeSocket)") }
            if common.json { print(JSON.serialize(.object([("success", .bool(sent)), ("delivered", .bool(sent))]))) }
            if !sent { throw ExitCode(1) }
        }
    }
}

extension UplinkCommand {
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Hand back to mwan3 every interface the daemon holds out of use (the init script runs it on stop; refused while a daemon runs).")
        @OptionGroup var common: Common

        func run() throws {
            try failing(common) {
                let released = try Mwan3Release.run(paths: common.paths)
                if common.json {
                    Output.json(.object([("released", .array(released.map { .string($0) }))]))
                } else if !released.isEmpty {
                    print("mwan3 uses again: \(released.joined(separator: ", "))")
                }
            }
        }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
