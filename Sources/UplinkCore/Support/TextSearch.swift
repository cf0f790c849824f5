/// Substring search and splitting on a string separator, which the standard library itself
/// does not have (`_StringProcessing`, the regex module, does). wgctl is built without that
/// module (Package.swift: `-disable-implicit-string-processing-module-import`), which keeps
/// about 1 MB of regex engine out of the router's binary; these are what it used of it.
/// Characters compare as Swift compares them (canonical equivalence), as there.
extension StringProtocol {
    /// Whether `other` occurs in this text; an empty `other` occurs everywhere.
    public func contains(_ other: some StringProtocol) -> Bool {
        firstRange(of: other) != nil
    }

    /// The first place `other` occurs, nil when nowhere (an empty `other` is at the start).
    public func firstRange(of other: some StringProtocol) -> Range<Index>? {
        guard let head = other.first else { return startIndex..<startIndex }
        var i = startIndex
        while i < endIndex {
            if self[i] == head, self[i...].hasPrefix(other) {
                return i..<index(i, offsetBy: other.count)
            }
            i = index(after: i)
        }
        return nil
    }

    /// The pieces between occurrences of `separator`, at most `maxSplits` splits, empty pieces
    /// left out unless `omittingEmptySubsequences` is false (the semantics of
    /// `split(separator: Character)`).
    public func split(separator: some StringProtocol, maxSplits: Int = .max,
                      omittingEmptySubsequences: Bool = true) -> [SubSequence] {
        guard !separator.isEmpty else { return [self[...]] }
        var out: [SubSequence] = []
        var rest = self[...]
        while out.count < maxSplits, let r = rest.firstRange(of: separator) {
            let piece = rest[..<r.lowerBound]
            if !(omittingEmptySubsequences && piece.isEmpty) { out.append(piece) }
            rest = rest[r.upperBound...]
        }
        if !(omittingEmptySubsequences && rest.isEmpty) { out.append(rest) }
        return out
    }

    /// This text with every occurrence of `other` replaced by `replacement`.
    public func replacing(_ other: some StringProtocol, with replacement: some StringProtocol) -> String {
        guard !other.isEmpty else { return String(self) }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: other) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
