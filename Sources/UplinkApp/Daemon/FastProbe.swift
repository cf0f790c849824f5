import UplinkCore
import UplinkSystem

/// The fast loop for one path: one echo per round, through the path's device, to the next
/// track target in turn; outcomes come back in round order (a round fails when its reply
/// misses the deadline or the send itself fails, e.g. on a device without carrier).
///
/// The socket is bound to the device's index: once the device is deleted (and perhaps made
/// again under its name, a PPPoE reconnect) every send fails with ENODEV. `deviceGone` says so,
/// and such a round is no verdict on the path: the daemon opens a new probe on the device as it
/// is now, or, when there is none, knows the path is down for that reason.
final class FastProbe {
    let key: String
    let device: String
    let socket: ProbeSocket
    /// A send failed because the bound device no longer exists.
    private(set) var deviceGone = false
    let targets: [IPAddress]
    private var next = 0
    private var seq: UInt16 = 0
    private var pending: [(seq: UInt16, deadline: Double, failed: Bool)] = []
    private var replies: [UInt16: Double] = [:]

    init(key: String, device: String, socket: ProbeSocket, targets: [IPAddress]) {
        self.key = key
        self.device = device
        self.targets = targets
        self.socket = socket
    }

    var fd: Int32 { socket.fd }
    var boundIndex: UInt32 { socket.boundIndex }

    func sendRound(now: Double, timeout: Double) {
        guard !targets.isEmpty else { return }
        seq &+= 1
        let ok = socket.sendEcho(to: targets[next % targets.count], sequence: seq)
        next += 1
        if !ok && DeviceGone.isGone(socket.lastSendError) {
            // not the path's fault: this socket's device is gone; the round is not counted
            deviceGone = true
            return
        }
        pending.append((seq, now + timeout, !ok))
    }

    /// Reads replies and returns the outcomes that are decided, oldest first.
    func collect(now: Double) -> [(success: Bool, rttMs: Double?)] {
        for r in socket.drain() { replies[r.sequence] = r.rttMs }
        var out: [(Bool, Double?)] = []
        while let p = pending.first {
            if !p.failed, let rtt = replies.removeValue(forKey: p.seq) {
                out.append((true, rtt))
            } else if p.failed || now >= p.deadline {
                out.append((false, nil))
            } else {
                break
            }
            pending.removeFirst()
        }
        if replies.count > 256 { replies.removeAll() }
        return out
    }

    /// The earliest pending deadline, for the poll timeout.
    var nextDeadline: Double? { pending.first?.deadline }
}
