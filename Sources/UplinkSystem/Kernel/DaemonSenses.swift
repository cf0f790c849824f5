#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import UplinkCore

/// One fast probe's socket as the daemon sees it (ICMPSocket on a router).
public protocol ProbeSocket: AnyObject {
    var fd: Int32 { get }
    /// The index of the device the socket is bound to: a device deleted and recreated under the
    /// same name has another, and the socket can no longer send (ENODEV).
    var boundIndex: UInt32 { get }
    /// errno of the last refused send, 0 after a send that went out.
    var lastSendError: Int32 { get }
    func sendEcho(to target: IPAddress, sequence: UInt16) -> Bool
    func drain() -> [ICMPSocket.Reply]
}

extension ICMPSocket: ProbeSocket {
    public func sendEcho(to target: IPAddress, sequence: UInt16) -> Bool { send(to: target, sequence: sequence) }
}

/// What the daemon senses of links and devices, and how it opens its probes: the one seam
/// through which device recreation, missing devices and carrier reach its decisions, so those
/// are tested without root (SystemSenses is the kernel's; the namespace lab proves it).
public protocol DaemonSenses: AnyObject {
    /// A descriptor that is readable when links changed (netlink RTMGRP_LINK).
    var linkEventsFD: Int32 { get }
    /// The names of the links that changed since the last call (empty: unknown, look at all).
    func drainLinkEvents() -> Set<String>
    /// The device's current index, nil when no such device exists.
    func ifindex(_ device: String) -> UInt32?
    func hasCarrier(_ device: String) -> Bool
    func openProbe(device: String, family: AddressFamily, mark: UInt32?) throws(UplinkError) -> ProbeSocket
}

public final class SystemSenses: DaemonSenses {
    let links: LinkMonitor

    public init() throws(UplinkError) { links = try LinkMonitor() }

    public var linkEventsFD: Int32 { links.fd }
    public func drainLinkEvents() -> Set<String> { links.drain() }

    public func ifindex(_ device: String) -> UInt32? {
        let i = if_nametoindex(device)
        return i == 0 ? nil : i
    }

    public func hasCarrier(_ device: String) -> Bool { LinkMonitor.hasCarrier(device) }

    public func openProbe(device: String, family: AddressFamily, mark: UInt32?) throws(UplinkError) -> ProbeSocket {
        try ICMPSocket(device: device, family: family, mark: mark)
    }
}

/// errno values that say a socket's bound device is gone (deleted, or recreated under its name).
public enum DeviceGone {
    public static func isGone(_ err: Int32) -> Bool { err == ENODEV || err == ENXIO }
}
