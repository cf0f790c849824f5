import Testing
@testable import UplinkCore

@Suite struct LatencyOrderTests {
    let a = try! PeerID(validating: "a"), b = try! PeerID(validating: "b"), c = try! PeerID(validating: "c")
    func cand(_ p: PeerID, _ prio: Int, _ ms: Double?, healthy: Bool = true) -> LatencyOrder.Candidate {
        LatencyOrder.Candidate(peer: p, priority: prio, latencyMs: ms, healthy: healthy)
    }

    @Test func fasterFirstWithinAPriority() {
        let order = LatencyOrder.decide(current: [a, b], candidates: [cand(a, 50, 40), cand(b, 50, 10), cand(c, 80, 90)],
                                        lastReorder: nil, now: 1000, failedOver: false)
        #expect(order == [c, b, a], "priority first, then latency")
    }

    @Test func neverWhileFailedOverNorTwiceInTenMinutes() {
        let cands = [cand(a, 50, 40), cand(b, 50, 10)]
        #expect(LatencyOrder.decide(current: [a, b], candidates: cands, lastReorder: nil, now: 1000, failedOver: true) == nil)
        #expect(LatencyOrder.decide(current: [a, b], candidates: cands, lastReorder: 900, now: 1000, failedOver: false) == nil)
        #expect(LatencyOrder.decide(current: [a, b], candidates: cands, lastReorder: 300, now: 1000, failedOver: false) == [b, a])
    }

    @Test func smallGainsDoNotReorder() {
        #expect(LatencyOrder.decide(current: [a, b], candidates: [cand(a, 50, 20), cand(b, 50, 17)],
                                    lastReorder: nil, now: 1000, failedOver: false) == nil, "3 ms is within the hysteresis")
        #expect(LatencyOrder.decide(current: [a, b], candidates: [cand(a, 50, 20), cand(b, 50, 9)],
                                    lastReorder: nil, now: 1000, failedOver: false) == [b, a])
    }

    @Test func unhealthyOrUnmeasuredGoLast() {
        let order = LatencyOrder.decide(current: [], candidates: [cand(a, 50, 5, healthy: false), cand(b, 50, 30), cand(c, 50, 20)],
                                        lastReorder: nil, now: 1000, failedOver: false)
        #expect(order == [c, b, a])
    }
}
