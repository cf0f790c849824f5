// The runtime state file: any bytes give a state (problems reported) and a state that
// decodes without problems survives encode → decode.
import UplinkCore

enum StateFuzz {
    static func check(_ bytes: [UInt8]) {
        guard let v = try? JSON.parse(bytes, maxBytes: RuntimeState.maximumFileSize, maxDepth: 16) else { return }
        let (state, problems) = RuntimeState.decode(v)
        let again = RuntimeState.decode(try! JSON.parse(JSON.serialize(state.json)))
        if problems.isEmpty { precondition(again.problems.isEmpty, "a clean state re-encoded with problems") }
        precondition(again.state == state, "encode → decode changed the state")
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    StateFuzz.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
