import UCI

/// Turns a package plan into the smallest set of byte edits on the current file: our
/// sections that already match are left alone (so a second `apply` writes nothing), changed
/// ones are rewritten in place, missing ones inserted, stale ones deleted; inside the user's
/// policies only our own `use_member` values are added or removed.
public enum Reconciler {
    public static func changes(_ doc: UCIDocument, plan: PackagePlan) throws(UplinkError) -> UCIChangeSet {
        let pkg = doc.package
        var changes = UCIChangeSet(doc)
        let desiredNames = Set(plan.sections.compactMap(\.section.name))

        // Our existing sections, by name (anonymous ones of ours are always stale).
        var ownedByName: [String: Int] = [:]
        var deleted = Set<Int>()
        for (i, s) in pkg.sections.enumerated() where Ownership.isOwned(s) {
            if let n = s.name, desiredNames.contains(n), ownedByName[n] == nil {
                ownedByName[n] = i
            } else {
                deleted.insert(i)
            }
        }
        for d in plan.sections {
            guard let name = d.section.name else { continue }
            if let i = ownedByName[name], pkg.sections[i].type != d.section.type {
                // Same name, different type: libuci refuses the file if both stay, so replace it.
                deleted.insert(i)
                ownedByName[name] = nil
            }
            if ownedByName[name] == nil, let i = pkg.index(ofSectionNamed: name), !Ownership.isOwned(pkg.sections[i]) {
                throw UplinkError(.configError, "a section named '\(name)' already exists and is not managed by wireguard-uplink")
            }
        }
        // Our members inside user policies: exactly the plan's memberships, nothing else touched.
        // Made before the section edits: a member appended to a policy that ends right where a
        // section of ours is inserted or deleted (no blank line before the first user rule)
        // belongs to the policy, so its line must come first at that offset.
        let ourMembers = Set(pkg.sections.filter { $0.type == "member" && Ownership.isOwned($0) }.compactMap(\.name))
            .union(plan.sections.filter { $0.section.type == "member" }.compactMap(\.section.name))
        for (i, s) in pkg.sections.enumerated() where s.type == "policy" && !Ownership.isOwned(s) {
            let present = s.list("use_member")
            let wanted = plan.members(of: s.name)
            for m in Set(present) where ourMembers.contains(m) && !wanted.contains(m) {
                changes.removeListValue(section: i, name: "use_member", value: m)
            }
            for m in wanted where !present.contains(m) {
                changes.addListValue(section: i, name: "use_member", value: m)
            }
        }
        mark(&changes, markers: plan.markers, unmarked: plan.unmarked)
        for i in deleted.sorted() { changes.deleteSection(i) }

        for d in plan.sections {
            if let name = d.section.name, let i = ownedByName[name] {
                if pkg.sections[i] != d.section { changes.replaceSection(i, with: d.section) }
                continue
            }
            switch d.placement {
            case .end:
                changes.appendSection(d.section)
            case .afterLast(let type):
                if let anchor = pkg.sections.indices.last(where: { pkg.sections[$0].type == type && !deleted.contains($0) }) {
                    changes.insertSection(d.section, after: anchor)
                } else {
                    changes.appendSection(d.section)
                }
            case .beforeFirstUser(let type):
                if let anchor = pkg.sections.indices.first(where: { pkg.sections[$0].type == type && !Ownership.isOwned(pkg.sections[$0]) }) {
                    changes.insertSection(d.section, before: anchor)
                } else {
                    changes.appendSection(d.section)
                }
            }
        }

        return changes
    }

    /// Adopted interfaces: only their two marker options are ours to add or take back.
    public static func mark(_ changes: inout UCIChangeSet, markers: [InterfaceMarker], unmarked: [String]) {
        let pkg = changes.document.package
        for m in markers {
            guard let i = pkg.index(ofSectionNamed: m.interface), !Ownership.isOwned(pkg.sections[i]) else { continue }
            let s = pkg.sections[i]
            if !Adoption.isMarked(s) { changes.setOption(section: i, name: Adoption.markOption, value: "1") }
            // an interface marked by hand without a peer id is that peer: nothing to add
            if s[Adoption.peerOption] != m.peer && !(s[Adoption.peerOption] == nil && m.peer == m.interface) {
                changes.setOption(section: i, name: Adoption.peerOption, value: m.peer)
            }
        }
        for name in unmarked where !markers.contains(where: { $0.interface == name }) {
            guard let i = pkg.index(ofSectionNamed: name), !Ownership.isOwned(pkg.sections[i]) else { continue }
            changes.deleteOption(section: i, name: Adoption.markOption)
            changes.deleteOption(section: i, name: Adoption.peerOption)
        }
    }
}
