import UplinkCore
import UplinkSystem

/// The daemon's mesh side: one socket per mesh interface, the validator with its memory of
/// every sender (persisted in the runtime state), and the announcements of our own offer.
final class MeshAgent {
    var inventory = MeshInventory(interfaces: [], ownKeys: [:], peers: [])
    var sockets: [String: GossipSocket] = [:]
    var validator = GossipValidator(meshPeers: [], trust: TrustPolicy())
    var port = 51899
    var nextRefresh = 0.0
    var nextAnnounce = 0.0
    /// Pending repeats of the last change (monotonic times).
    var repeats: [Double] = []
    private var lastSeq: UInt64 = 0
    let log: (String) -> Void

    init(log: @escaping (String) -> Void) { self.log = log }

    /// Re-reads the mesh (peers come and go) and the trust store; opens missing sockets.
    func refresh(settings: Settings, paths: Paths, state: RuntimeState) {
        inventory = MeshInventory.read(configured: settings.meshInterfaces)
        port = settings.gossipPort
        var lastSeq: [String: UInt64] = [:], bindings: [String: String] = [:]
        for (k, v) in state.meshSeen {
            lastSeq[k] = v.seq
            bindings[k] = v.peer
        }
        // keep what the validator learnt since the last save
        for (k, v) in validator.lastSeq where (lastSeq[k] ?? 0) < v { lastSeq[k] = v }
        for (k, v) in validator.bindings { bindings[k] = v }
        validator = GossipValidator(meshPeers: inventory.peers, trust: TrustStore.load(paths: paths, settings: settings),
                                    ownKeys: Set(inventory.ownKeys.values), lastSeq: lastSeq, bindings: bindings)
        for name in sockets.keys where !inventory.interfaces.contains(name) { sockets[name] = nil }
        for name in inventory.interfaces where sockets[name] == nil {
            do { sockets[name] = try GossipSocket(interface: name, port: port) } catch let e as UplinkError { log("mesh: \(e.message)") } catch {}
        }
        nextRefresh = Clock.monotonic() + 30
    }

    var fds: [Int32] { sockets.values.map(\.fd) }

    /// Validated messages from every socket (with where they came from); rejections are
    /// counted by reason.
    func receive(counters: inout [String: Int]) -> [(GossipValidator.Accepted, GossipSocket.Datagram)] {
        var out: [(GossipValidator.Accepted, GossipSocket.Datagram)] = []
        let now = Clock.now()
        for (name, sock) in sockets {
            for d in sock.receive(limit: 512) {
                if d.size > GossipMessage.maximumSize {
                    counters["mesh_rejected_oversize", default: 0] += 1
                    continue
                }
                switch validator.accept(d.bytes, interface: name, source: d.source, now: now) {
                case .success(let a):
                    counters["mesh_accepted", default: 0] += 1
                    out.append((a, d))
                case .failure(let e):
                    counters["mesh_rejected_\(e.reason.rawValue)", default: 0] += 1
                }
            }
        }
        return out
    }

    func header(nodeID: String, interface: String) -> GossipMessage.Header? {
        guard let key = inventory.ownKeys[interface].flatMap({ try? WireGuardKey(base64: $0) }),
              let peer = try? PeerID(validating: nodeID) else { return nil }
        lastSeq = max(lastSeq + 1, UInt64(Clock.now() * 1_000_000))
        return GossipMessage.Header(peer: peer, meshKey: key, seq: lastSeq, timestamp: Clock.now())
    }

    /// Sends a message built per interface to every peer of every mesh interface.
    func broadcast(nodeID: String, _ build: (GossipMessage.Header) -> GossipMessage) -> Int {
        var sent = 0
        for (name, sock) in sockets {
            guard let h = header(nodeID: nodeID, interface: name) else { continue }
            let bytes = build(h).encode()
            for p in inventory.peers where p.interface == name {
                if let a = MeshInventory.address(of: p), sock.send(bytes, to: a, port: port) { sent += 1 }
            }
        }
        return sent
    }

    func reply(_ m: GossipMessage, via interface: String, to address: IPAddress, port: Int) {
        _ = sockets[interface]?.send(m.encode(), to: address, port: port)
    }

    /// The seq memory to persist.
    var seen: [String: (peer: String, seq: UInt64)] {
        var out: [String: (peer: String, seq: UInt64)] = [:]
        for (k, seq) in validator.lastSeq { out[k] = (validator.bindings[k] ?? "?", seq) }
        return out
    }
}
