import Testing
import UplinkCore
import UplinkSystem

/// The generic netlink adapter against this machine's real kernel. The kernel here has no
/// WireGuard (the lab runs wireguard-go), so the exchange itself is proven on the controller
/// family every kernel has; the WireGuard answers are read in WireGuardNetlinkTests.
struct KernelWireGuardTests {
    @Test func theKernelsControllerAnswersOverGenericNetlink() {
        // the controller's own family: always 0x10 (GENL_ID_CTRL)
        #expect(WireGuardGenl.lookUpFamily("nlctrl") == WireGuardNetlink.controllerID)
        #expect(WireGuardGenl.lookUpFamily("no-such-family") == nil, "ENOENT is no family, not an error")
    }

    @Test func aDeviceThatIsNotKernelWireGuardFallsThrough() {
        // no family (wireguard-go only) or ENODEV: nil, so LinuxKernel.dump tries `wg` next
        #expect(WireGuardGenl.get("lo") == nil)
        #expect(WireGuardGenl.get("wgu-none0") == nil)
        #expect(WireGuardGenl.get("../etc") == nil, "a name that is no device name is never sent")
    }
}
