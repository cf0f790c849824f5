#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import UplinkCore
@testable import UplinkSystem

/// The HTTP probe through its kept libcurl helper, against a server on loopback.
@Suite(.serialized) struct HTTPProbeTests {
    /// A one-file HTTP server on 127.0.0.1: `ok` answers 204, `hang` accepts and never answers.
    final class LoopbackServer {
        let pid: pid_t, port: Int, fd: Int32
        init() throws {
            let script = """
            import http.server, socketserver, sys, time
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == "/hang": time.sleep(30)
                    self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
                def log_message(self, *a): pass
            socketserver.ThreadingTCPServer.daemon_threads = True
            s = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """
            let py = try #require(Command.find("python3"), "python3 is not installed: scripts/deps installs it")
            let child = try #require(Command.spawnConnected(py, ["-c", script]))
            (pid, fd) = (child.pid, child.fd)
            var buf = [UInt8](repeating: 0, count: 16)
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 5000)
            let n = read(fd, &buf, buf.count)
            port = try #require(Int(String(decoding: buf[0..<max(0, n)], as: UTF8.self).trimmingNewlines()))
        }
        deinit { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, 0); close(fd) }
    }

    @Test func aRequestGoesThroughTheKeptHelper() throws {
        let server = try LoopbackServer()
        let r = HTTPProbe.get(url: "http://127.0.0.1:\(server.port)/generate_204", device: "lo", timeout: 3)
        #expect(r.status == 204 && r.error == nil, "\(r)")
        #expect((r.totalMs ?? -1) >= 0)
        let helper = HTTPProbe.helperPID
        #expect(helper > 0)
        // a host name pinned to an address (CURLOPT_RESOLVE), as a path's own DNS answer is
        let pinned = HTTPProbe.get(url: "http://probe.invalid:\(server.port)/", device: nil, resolved: IPAddress("127.0.0.1"), timeout: 3)
        #expect(pinned.status == 204, "\(pinned)")
        #expect(HTTPProbe.helperPID == helper, "one helper serves every request")
    }

    @Test func aHelperThatDiesIsReplaced() throws {
        let server = try LoopbackServer()
        _ = HTTPProbe.get(url: "http://127.0.0.1:\(server.port)/", device: nil, timeout: 3)
        let first = HTTPProbe.helperPID
        #expect(first > 0)
        kill(first, SIGKILL)
        usleep(100_000)
        let gone = HTTPProbe.get(url: "http://127.0.0.1:\(server.port)/", device: nil, timeout: 3)
        #expect(gone.status == nil && gone.error?.contains("wgctl-http-probe") == true, "\(gone)")
        let again = HTTPProbe.get(url: "http://127.0.0.1:\(server.port)/", device: nil, timeout: 3)
        #expect(again.status == 204, "\(again)")
        #expect(HTTPProbe.helperPID != first && HTTPProbe.helperPID > 0)
    }

    @Test func aServerThatNeverAnswersCostsTheTimeoutOnly() throws {
        let server = try LoopbackServer()
        let t0 = Clock.monotonic()
        let r = HTTPProbe.get(url: "http://127.0.0.1:\(server.port)/hang", device: nil, timeout: 0.5)
        let took = Clock.monotonic() - t0
        #expect(r.status == nil && r.error != nil)
        #expect(took >= 0.4 && took < 2.0, "took \(took) s")
        let next = HTTPProbe.get(url: "http://127.0.0.1:\(server.port)/", device: nil, timeout: 3)
        #expect(next.status == 204, "the helper is still usable: \(next)")
    }

    @Test func aFieldWithATabNeverReachesTheHelper() {
        let r = HTTPProbe.get(url: "http://127.0.0.1:1/\tGET", device: nil, timeout: 1)
        #expect(r.status == nil && r.error?.contains("tab") == true)
    }

    @Test func hostAndPortOfAURL() {
        #expect(HTTPProbe.hostPort("https://example.net/x")! == ("example.net", 443))
        #expect(HTTPProbe.hostPort("http://u:p@probe.lan:8080/generate_204")! == ("probe.lan", 8080))
        #expect(HTTPProbe.hostPort("http://probe.lan?x")! == ("probe.lan", 80))
        #expect(HTTPProbe.hostPort("ftp://x") == nil)
    }
}
