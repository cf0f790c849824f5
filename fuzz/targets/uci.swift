// UCI files: libuci's grammar must never crash; a file that loads must survive
// render → parse unchanged, and an appended section deleted again must restore its bytes.
import UCI

enum UCIFuzz {
    static func check(_ bytes: [UInt8]) {
        guard let doc = try? UCIDocument(bytes: bytes) else { return }
        let again = try! UCIDocument(text: UCIRender.package(doc.package))
        precondition(again.package == doc.package, "render → parse changed the package")
        var c = UCIChangeSet(doc)
        c.appendSection(UCISection(type: "rule", name: "wu_fuzz_e", options: [UCIOption("proto", "udp")]))
        // an edit that would not load is refused by apply() (e.g. after a final `x ;` without
        // newline, libuci rejects any further line); refusing is the right outcome
        guard let appended = try? c.apply(), let added = try? UCIDocument(bytes: appended),
              let i = added.package.sections.lastIndex(where: { $0.name == "wu_fuzz_e" }) else {
            return // a file that already defines wu_fuzz_e with another type
        }
        var d = UCIChangeSet(added)
        d.deleteSection(i)
        let restored = try! d.apply()
        if doc.package.section(named: "wu_fuzz_e") == nil && bytes.last == 0x0A {
            precondition(restored == bytes, "append then delete did not restore the bytes")
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    UCIFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
