import Testing
import UplinkCore

/// Dotted-quad parsing, as UCI and `ip` write addresses: strict, ASCII only.
@Suite struct IPAddressTests {
    @Test(arguments: [("0.0.0.0", 0 as UInt32), ("255.255.255.255", 0xFFFF_FFFF), ("10.0.0.1", 0x0A00_0001),
                      ("169.254.42.2", 0xA9FE_2A02), ("100.64.0.10", 0x6440_000A)])
    func acceptsDottedQuads(_ text: String, _ value: UInt32) {
        #expect(IPAddress(text) == .v4(value))
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "256.1.1.1", "1.2.3.1000",
                      "01.2.3.4", "1.2.3.00", "1.2.3.4 ", " 1.2.3.4", "1.2.3.a", "1.2.3.-4", "+1.2.3.4",
                      "١.2.3.4", "1.2.3.4/32"])
    func refusesEverythingElse(_ text: String) {
        #expect(IPAddress(text) == nil, "\(text)")
    }

    @Test func everyAddressSurvivesPrintAndParse() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let a = IPAddress.v4(UInt32.random(in: .min ... .max, using: &g))
            #expect(IPAddress(a.description) == a)
        }
    }
}
