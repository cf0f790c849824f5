import Testing
@testable import UplinkCore

@Suite struct NamingTests {
    @Test(arguments: ["nodeA", "sb-aa:bb:cc:dd:ee:ff", "sb-a:b", "sb_a_b", "x", "A.B.C", String(repeating: "z", count: 64), "----", "..", ":"])
    func interfaceNamesFitEveryLimit(id: String) throws {
        let n = InterfaceNaming.interfaceName(for: try PeerID(validating: id))
        #expect(n.utf8.count <= 13)
        #expect(InterfaceNaming.isValidInterfaceName(n))
        #expect(InterfaceNaming.memberName(interface: n).utf8.count <= 15)
        #expect(InterfaceNaming.endpointRuleName(interface: n).utf8.count <= 15)
        #expect(n == InterfaceNaming.interfaceName(for: try PeerID(validating: id)), "deterministic")
    }

    @Test func idsThatSanitiseAlikeStayApart() throws {
        let a = InterfaceNaming.interfaceName(for: try PeerID(validating: "sb-a:b"))
        let b = InterfaceNaming.interfaceName(for: try PeerID(validating: "sb_a_b"))
        let c = InterfaceNaming.interfaceName(for: try PeerID(validating: "SB.A.B"))
        #expect(Set([a, b, c]).count == 3)
    }

    @Test func aTakenNameMovesOn() throws {
        let p = try PeerID(validating: "nodeA")
        let first = InterfaceNaming.interfaceName(for: p)
        let second = InterfaceNaming.interfaceName(for: p, taken: [first])
        #expect(second != first)
        #expect(second.utf8.count <= 13)
    }

    @Test func manyPeersNeverCollide() throws {
        var taken = Set<String>()
        for i in 0..<2000 {
            let n = InterfaceNaming.interfaceName(for: try PeerID(validating: "sb-00:11:22:33:\(i / 256):\(i % 256)"), taken: taken)
            #expect(!taken.contains(n))
            taken.insert(n)
        }
    }

    @Test(arguments: ["", " ", "a b", "a'b", "a\nb", "$x", "a/b", String(repeating: "x", count: 65), "é"])
    func peerIDsAreRefused(id: String) {
        #expect(throws: UplinkError.self) { _ = try PeerID(validating: id) }
    }
}
