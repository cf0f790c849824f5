import UCI
import UplinkCore

/// A read-modify-write of UCI packages under our lock. It refuses to start while libuci holds
/// uncommitted changes for a package it will write, locks each file as libuci does, and
/// writes only packages whose bytes really change (ours first: it is the desired state, so a
/// crash between files is repaired by the next `apply`).
public final class ConfigTransaction {
    public let paths: Paths
    private var lock: FileLock?
    private var fileLocks: [ConfigFileLock] = []
    public private(set) var documents: [String: UCIDocument] = [:]

    /// Packages in the order they are written.
    public static let writeOrder = [Settings.packageName, "network", "mwan3", "firewall"]

    public init(paths: Paths, packages: [String], write: Bool, lockTimeout: Double = 30) throws(UplinkError) {
        self.paths = paths
        if write {
            lock = try FileLock.acquire(paths.lockFile, timeout: lockTimeout)
            // a writer killed mid-write leaves its temporary file; under the lock none is live
            Files.removeStaleTemporaries(in: paths.configDir, olderThan: 0)
            for p in packages {
                let delta = paths.pendingDelta(p)
                if let n = Files.size(delta), n > 0 {
                    throw UplinkError(.pendingChanges,
                        "uncommitted changes to '\(p)' are pending in \(delta) (from 'uci set' or 'uci batch' without commit); run 'uci commit \(p)' or 'uci revert \(p)' first")
                }
            }
        }
        for p in packages {
            let path = paths.config(p)
            // a writer keeps each file locked until it is done; a reader holds libuci's shared
            // lock only while it reads the bytes (every writer renames a whole new file in), so
            // a slow `status` never keeps a writer waiting behind a stream of readers
            let fileLock = try ConfigFileLock(path, exclusive: write)
            let read = try withExtendedLifetime(fileLock) { () throws(UplinkError) in try Files.read(path) }
            if write { fileLocks.append(fileLock) }
            guard let bytes = read else { continue }
            do {
                documents[p] = try UCIDocument(bytes: bytes)
            } catch {
                throw UplinkError(.parseError, "\(path): \(error.description); fix the file (uci refuses it too)")
            }
        }
    }

    public func document(_ package: String) -> UCIDocument? { documents[package] }

    /// The package, or an empty one when its file does not exist.
    public func documentOrEmpty(_ package: String) -> UCIDocument {
        documents[package] ?? (try! UCIDocument(bytes: []))
    }

    public func exists(_ package: String) -> Bool { documents[package] != nil }

    /// Writes every change set whose result differs from the file; returns the packages written.
    public func commit(_ changes: [String: UCIChangeSet]) throws(UplinkError) -> [String] {
        var written: [String] = []
        let order = Self.writeOrder + changes.keys.filter { !Self.writeOrder.contains($0) }.sorted()
        for p in order {
            guard let c = changes[p], !c.isEmpty else { continue }
            let bytes: [UInt8]
            do {
                bytes = try c.apply()
            } catch {
                throw UplinkError(.internalError, "refusing to write \(paths.config(p)): the edit would not load in uci (\(error))")
            }
            if let old = documents[p], old.bytes == bytes { continue }
            if documents[p] == nil && bytes.isEmpty { continue }
            let isOurs = p == Settings.packageName
            try Files.writeAtomically(paths.config(p), bytes, newMode: isOurs ? 0o600 : 0o644,
                                      maximumMode: isOurs ? 0o600 : 0o7777)
            written.append(p)
        }
        return written
    }

    public func finish() {
        fileLocks.removeAll()
        lock?.release()
        lock = nil
    }

    deinit { finish() }
}
