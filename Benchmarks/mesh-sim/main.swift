// An in-process simulation of the offer protocol on N mesh nodes: real message encoding
// and the real validator on every receiver, simulated time, per-link delay and loss.
// Each offering node announces every ttl/4 (with jitter), and on start and on every change
// three times (at once, +1 s, +3 s); offers
// travel one hop, to direct mesh peers only. Reports, per topology: time and messages until
// every node knows every offer of its mesh peers (cold start), and how fast a withdrawal
// and a provider's WAN failure reach every neighbour.
//   usage: mesh-sim [NODES] [OFFERING_FRACTION] [LOSS] [SEED]
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

struct Rng {
    var s: UInt64
    mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

struct Event: Comparable {
    var at: Double
    var order: Int
    var kind: Kind
    enum Kind { case announce(Int), repeatAnnounce(Int), deliver(from: Int, to: Int, bytes: [UInt8]) }
    static func < (a: Event, b: Event) -> Bool { a.at != b.at ? a.at < b.at : a.order < b.order }
    static func == (a: Event, b: Event) -> Bool { a.at == b.at && a.order == b.order }
}

/// A binary min-heap of events.
struct Queue {
    var h: [Event] = []
    var count = 0
    mutating func push(_ e: Event) {
        h.append(e)
        var i = h.count - 1
        while i > 0 && h[i] < h[(i - 1) / 2] { h.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
    }
    mutating func pop() -> Event? {
        guard !h.isEmpty else { return nil }
        h.swapAt(0, h.count - 1)
        let e = h.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < h.count && h[l] < h[m] { m = l }
            if r < h.count && h[r] < h[m] { m = r }
            if m == i { break }
            h.swapAt(i, m)
            i = m
        }
        return e
    }
}

/// `d` with `places` decimals (no Foundation here).
func f(_ d: Double, _ places: Int = 2) -> String {
    var m = 1.0
    for _ in 0..<places { m *= 10 }
    let v = (d * m).rounded() / m
    var text = String(v)
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < places { text += String(repeating: "0", count: places - decimals) }
    }
    return text
}

let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1]) ?? 200 : 200
let fraction = args.count > 2 ? Double(args[2]) ?? 0.3 : 0.3
let loss = args.count > 3 ? Double(args[3]) ?? 0.05 : 0.05
let seed = args.count > 4 ? UInt64(args[4]) ?? 7 : 7
let ttl = 60
let period = Double(ttl) / 4

func simulate(name: String, neighbours: [[Int]], rng: inout Rng) {
    let keys = (0..<n).map { _ in WireGuardKey(bytes: rng.bytes(32)) }
    let ids = (0..<n).map { try! PeerID(validating: "node-\($0)") }
    let address = (0..<n).map { IPAddress.v4(UInt32(10) << 24 | UInt32(200) << 16 | UInt32($0)) }
    let offering = (0..<n).map { _ in rng.unit() < fraction }
    var validators = (0..<n).map { i in
        GossipValidator(meshPeers: neighbours[i].map { MeshPeer(interface: "wg_mesh", publicKey: keys[$0].base64,
                                                                 allowedIPs: [IPPrefix(address: address[$0], length: 32)]) },
                        trust: TrustPolicy())
    }
    var known = [[Int: Bool]](repeating: [:], count: n) // node -> provider -> available
    var available = offering
    var seq = [UInt64](repeating: 0, count: n)
    var q = Queue()
    var order = 0
    var messages = 0, rejected = 0
    let start = 1_800_000_000.0
    func push(_ at: Double, _ k: Event.Kind) { order += 1; q.push(Event(at: at, order: order, kind: k)) }
    // nodes boot at random within the first 5 s
    for i in 0..<n where offering[i] {
        let boot = rng.unit() * 5
        push(boot, .announce(i))
        push(boot + 1, .repeatAnnounce(i))
        push(boot + 3, .repeatAnnounce(i))
    }
    func announce(_ i: Int, at t: Double) {
        seq[i] += 1
        let bytes = GossipMessage.offer(GossipMessage.OfferMessage(
            header: GossipMessage.Header(peer: ids[i], meshKey: keys[i], seq: seq[i], timestamp: start + t), ttl: ttl,
            bandwidthMbps: 100, latencyMs: 10, wanType: "fiber", available: available[i], metered: false,
            endpointHost: nil, endpointPort: 51900, publicKey: keys[i])).encode()
        for j in neighbours[i] {
            messages += 1
            if rng.unit() < loss { continue }
            push(t + 0.001 + rng.unit() * 0.019, .deliver(from: i, to: j, bytes: bytes))
        }
    }
    // expected: every node knows every offering neighbour
    let expected = (0..<n).reduce(0) { acc, j in acc + neighbours[j].filter { offering[$0] }.count }
    var knownCount = 0
    var converged: Double? = nil
    var messagesAtConvergence = 0
    var t = 0.0
    let withdrawAt = 120.0
    let victim = (0..<n).first { offering[$0] && !neighbours[$0].isEmpty }
    var lastHeardWithdraw: [Int: Double] = [:]
    let failAt = 180.0
    let victim2 = (0..<n).last { offering[$0] && !neighbours[$0].isEmpty && $0 != victim }
    var lastHeardFail: [Int: Double] = [:]
    var changed = Set<Int>()
    while let e = q.pop(), e.at < 300 {
        t = e.at
        if t >= withdrawAt, let v = victim, available[v], !changed.contains(v) {
            available[v] = false; changed.insert(v); announce(v, at: withdrawAt)
            push(withdrawAt + 1, .repeatAnnounce(v)); push(withdrawAt + 3, .repeatAnnounce(v))
        }
        if t >= failAt, let v = victim2, available[v], !changed.contains(v) {
            available[v] = false; changed.insert(v); announce(v, at: failAt)
            push(failAt + 1, .repeatAnnounce(v)); push(failAt + 3, .repeatAnnounce(v))
        }
        switch e.kind {
        case .announce(let i):
            announce(i, at: t)
            push(t + period * (0.9 + 0.2 * rng.unit()), .announce(i))
        case .repeatAnnounce(let i):
            announce(i, at: t)
        case .deliver(let from, let to, let bytes):
            switch validators[to].accept(bytes, interface: "wg_mesh", source: address[from], now: start + t) {
            case .success(let a):
                guard case .offer(let o) = a.message else { break }
                if known[to][from] == nil { knownCount += 1 }
                known[to][from] = o.available
                if converged == nil && knownCount == expected { converged = t; messagesAtConvergence = messages }
                if from == victim && !o.available && lastHeardWithdraw[to] == nil { lastHeardWithdraw[to] = t - withdrawAt }
                if from == victim2 && !o.available && lastHeardFail[to] == nil { lastHeardFail[to] = t - failAt }
            case .failure:
                rejected += 1
            }
        }
    }
    let degree = Double(neighbours.map(\.count).reduce(0, +)) / Double(n)
    let providers = offering.filter { $0 }.count
    print("\(name): \(n) nodes, mean degree \(f(degree, 1)), \(providers) offering, \(Int(loss * 100))% loss")
    if let c = converged {
        print("  cold start: every node knows every neighbour's offer after \(f(c, 2)) s, \(messagesAtConvergence) messages")
    } else {
        print("  cold start: not converged within 300 s (\(knownCount)/\(expected))")
    }
    let perMinute = Double(messages) / (t / 60) / Double(n)
    print("  steady state: \(f(perMinute, 1)) messages per node per minute (period \(period) s), \(rejected) rejected")
    func summary(_ d: [Int: Double], _ who: Int?) -> String {
        guard let w = who else { return "n/a" }
        let v = d.values.sorted()
        let nb = neighbours[w].count
        guard !v.isEmpty else { return "none of \(nb) heard" }
        return "\(v.count)/\(nb) neighbours within p50 \(f(v[v.count / 2], 3)) s, max \(f(v.last!, 2)) s"
    }
    print("  withdrawal reaches \(summary(lastHeardWithdraw, victim))")
    print("  WAN failure (available=false) reaches \(summary(lastHeardFail, victim2))")
}

var rng = Rng(s: seed | 1)
let clock0 = { () -> Double in var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
let w0 = clock0()
// 1. a full WireGuard mesh (every node peers with every other, as in an inventory-rendered mesh)
simulate(name: "full mesh", neighbours: (0..<n).map { i in (0..<n).filter { $0 != i } }, rng: &rng)
// 2. a radio mesh: nodes on a unit square, links within range (about 6 neighbours each)
let pts = (0..<n).map { _ in (rng.unit(), rng.unit()) }
let range = (6.0 / (Double.pi * Double(n))).squareRoot()
let geo = (0..<n).map { i in (0..<n).filter { j in j != i && ((pts[i].0 - pts[j].0) * (pts[i].0 - pts[j].0) + (pts[i].1 - pts[j].1) * (pts[i].1 - pts[j].1)).squareRoot() < range } }
simulate(name: "radio mesh", neighbours: geo, rng: &rng)
print("simulated 2 × 300 s in \(f(clock0() - w0, 2)) s of CPU time")
