/// Every failure the product reports: a stable machine code (rpcd `code`) and a sentence for people.
public struct UplinkError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidPeerID = "invalid_peer_id"
        case invalidArgument = "invalid_argument"
        case notFound = "not_found"
        case exists = "exists"
        case configError = "config_error"
        case parseError = "parse_error"
        case pendingChanges = "pending_changes"
        case locked = "locked"
        case ioError = "io_error"
        case noOffer = "no_offer"
        case untrusted = "untrusted"
        case badGrant = "bad_grant"
        case unsupported = "unsupported"
        case commandFailed = "command_failed"
        case ruleConflict = "rule_conflict"
        case timeout = "timeout"
        case unknownMethod = "unknown_method"
        case invalidJSON = "invalid_json"
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
