import Testing
import UplinkApp
import UplinkCore
import UplinkSystem

/// The trusted-peer directory as SecuBox fills it: `<fingerprint>.pub` files with factory
/// keys, not WireGuard keys. Their node ids are trusted; a directory of them no longer means
/// "nobody is trusted".
@Suite struct TrustStoreTests {
    @Test func aSecuBoxDirectoryTrustsItsNodeIDs() throws {
        let f = try FixtureRoot()
        let dir = f.paths.resolve(Settings().trustedKeysDir)
        let hex = "9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab"
        try Files.writeAtomically(dir + "/3a1f0e2b9c8d7e6f.pub", Array("secubox-factory-pub:nodeA:\(hex)\n".utf8))
        try Files.writeAtomically(dir + "/5b2e1d0c9f8e7a6b.pub", Array("secubox-factory-pub:nodeB:\(hex)\n".utf8))
        try Files.writeAtomically(dir + "/README", Array("not a key file\n".utf8))
        var settings = Settings()
        settings.trustedPeers = ["nodeC"]
        let policy = TrustStore.load(paths: f.paths, settings: settings)
        #expect(policy.keys == nil)
        #expect(policy.peers == ["nodeA", "nodeB", "nodeC"])
        let mesh = [IPPrefix("10.255.0.1/32")!]
        #expect(policy.trusts(peer: try PeerID(validating: "nodeA"), meshKey: Sample.providerKey.base64, allowedIPs: mesh))
        #expect(!policy.trusts(peer: try PeerID(validating: "nodeZ"), meshKey: Sample.providerKey.base64, allowedIPs: mesh))
    }

    @Test func noDirectoryAndNoListMeansTheMeshSizedDefault() throws {
        let f = try FixtureRoot()
        #expect(TrustStore.load(paths: f.paths, settings: Settings()) == TrustPolicy())
    }
}
