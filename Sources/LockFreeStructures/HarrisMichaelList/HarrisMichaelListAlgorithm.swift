// The Harris–Michael sorted linked list, as algorithms on a head link, so that the list
// and every bucket of the hash map share one implementation.
//
// T. L. Harris, "A pragmatic implementation of non-blocking linked-lists", DISC 2001:
// logical deletion by marking a node's next pointer, then physical unlinking.
// M. M. Michael, "High performance dynamic lock-free hash tables and list-based sets",
// SPAA 2002: the traversal that hazard pointers can protect — at most three nodes held
// (prev, curr, next), every step re-validated, a marked node unlinked before it is passed.
//
// Two traversals, chosen by the scheme at compile time (`R.capabilities` folds):
//   - protected (hp, rc): Michael's find. A protection is valid only while the node is
//     still linked, so it re-checks that prev still points to curr (whole word: a mark set
//     meanwhile is a change) after protecting next, and never walks through marked nodes.
//   - optimistic (none, ebr, qsbr, rcu — `.optimisticTraversal`): Harris's search walks
//     through marked nodes without re-validation (everything reached inside a guard stays
//     allocated until it ends) and unlinks a whole run of marked nodes with one CAS;
//     `contains` is a read-only walk that helps nobody.
//
// Each node is retired exactly once, by the thread whose CAS unlinked it: only one CAS can
// swing a link off a node, and a node inside an unlinked run is marked, so no later CAS
// (which expects an unmarked predecessor) can unlink it again.
//
// Orderings: a node is published with an acq_rel CAS (its key, value and next written
// before, relaxed); reads go through `protect` (acquire or stronger) or, optimistically,
// `load(.acquiring)`. Marking is an acq_rel CAS on the node's own next.

import Reclamation

/// Node fields: one link (next), then key and value (8 bytes each), then payload; and how
/// nodes are retired (timed, in latency cells, or not).
@frozen
public struct ListNodeShape: Sendable {
    public let layout: NodeLayout
    @usableFromInline let timing: RetireTiming?

    /// With `timing`, the payload's first 8 bytes hold the retire time (payloadBytes ≥ 8).
    @inlinable
    public init(payloadBytes: Int, timing: RetireTiming? = nil) {
        precondition(timing == nil || payloadBytes >= 8, "a timed list needs 8 payload bytes for the stamp")
        layout = NodeLayout(links: 1, dataBytes: 16 + payloadBytes)
        self.timing = timing.map { RetireTiming(deleter: $0.deleter, stampOffset: 16) }
    }

    /// Retires an unlinked node: timed when the shape says so.
    @inlinable
    func retire<R: Reclaimer>(_ node: UnsafeMutableRawPointer, in guardian: borrowing R.Guard, _ scheme: R.Type) {
        if let timing {
            timing.retire(node, data: layout.data(node, R.self), in: guardian, R.self)
        } else {
            guardian.retire(node, layout)
        }
    }

    @inlinable
    func next<R: Reclaimer>(_ node: UnsafeMutableRawPointer, _ scheme: R.Type) -> UnsafeMutablePointer<R.Link> {
        layout.link(node, 0, R.self)
    }

    @inlinable
    func key<R: Reclaimer>(_ node: UnsafeMutableRawPointer, _ scheme: R.Type) -> Int {
        // SAFETY: written before the node was published, never written again.
        layout.data(node, R.self).load(as: Int.self)
    }

    @inlinable
    func value<R: Reclaimer>(_ node: UnsafeMutableRawPointer, _ scheme: R.Type) -> Int {
        layout.data(node, R.self).load(fromByteOffset: 8, as: Int.self)
    }

    @inlinable
    func initialize<R: Reclaimer>(_ node: UnsafeMutableRawPointer, key: Int, value: Int, _ scheme: R.Type) {
        layout.data(node, R.self).storeBytes(of: key, as: Int.self)
        layout.data(node, R.self).storeBytes(of: value, toByteOffset: 8, as: Int.self)
    }
}

/// Where a key is, or would go: the link to swing (`previous`, inside a protected node or
/// the head), the node it points to (`current`, unmarked, or null) and that node's next.
@frozen
public struct ListPosition<R: Reclaimer> {
    @usableFromInline let found: Bool
    @usableFromInline let previous: UnsafeMutablePointer<R.Link>
    @usableFromInline let current: TaggedNode
    @usableFromInline let next: TaggedNode

    @inlinable
    init(found: Bool, previous: UnsafeMutablePointer<R.Link>, current: TaggedNode, next: TaggedNode) {
        self.found = found
        self.previous = previous
        self.current = current
        self.next = next
    }
}

/// The list operations on a head link. Callers hold a guard whose participant has at
/// least `slotsNeeded` slots.
public enum HarrisMichaelListAlgorithm<R: Reclaimer> {
    /// prev, curr and next.
    public static var slotsNeeded: Int { 3 }

    @inlinable
    static var optimistic: Bool { R.capabilities.contains(.optimisticTraversal) }

    // MARK: find

    @inlinable
    static func find(
        _ head: UnsafeMutablePointer<R.Link>, key: Int, shape: ListNodeShape, in guardian: borrowing R.Guard
    ) -> ListPosition<R> {
        optimistic ? search(head, key: key, shape: shape, in: guardian) : protectedFind(head, key: key, shape: shape, in: guardian)
    }

    /// Michael's find: protect curr, then next, re-validate prev → curr, unlink marked nodes.
    @inlinable
    static func protectedFind(
        _ head: UnsafeMutablePointer<R.Link>, key: Int, shape: ListNodeShape, in guardian: borrowing R.Guard
    ) -> ListPosition<R> {
        retry: while true {
            // Slots rotate instead of copying protections: prev's node, curr, next.
            var previousSlot = 2, currentSlot = 1, nextSlot = 0
            var previous = head
            var current = guardian.protect(previous, slot: currentSlot)
            while true {
                guard let node = current.node else {
                    return ListPosition(found: false, previous: previous, current: current, next: .null)
                }
                let next = guardian.protect(shape.next(node, R.self), slot: nextSlot)
                // curr must still be linked from prev, unmarked, for the protection of next
                // to mean anything (Michael 2002, line D6 of Find).
                // ORDERING: acquire; pairs with the release CAS that changed prev, if any.
                if guardian.load(previous, .acquiring) != current { continue retry }
                if next.isMarked {
                    // curr is logically deleted: unlink it before passing it.
                    let (unlinked, _) = guardian.compareExchange(
                        previous, expected: current, desired: next.unmarked(), .acquiringAndReleasing)
                    guard unlinked else { continue retry }
                    stressPoint(.unlinkedBeforeRetire)
                    shape.retire(node, in: guardian, R.self)
                    current = next.unmarked()
                    swap(&currentSlot, &nextSlot)
                } else {
                    let nodeKey = shape.key(node, R.self)
                    if nodeKey >= key {
                        return ListPosition(found: nodeKey == key, previous: previous, current: current, next: next)
                    }
                    previous = shape.next(node, R.self)
                    (previousSlot, currentSlot, nextSlot) = (currentSlot, nextSlot, previousSlot)
                    current = next
                }
            }
        }
    }

    /// Harris's search: walk through marked nodes, unlink the run before `right` with one CAS.
    @inlinable
    static func search(
        _ head: UnsafeMutablePointer<R.Link>, key: Int, shape: ListNodeShape, in guardian: borrowing R.Guard
    ) -> ListPosition<R> {
        while true {
            var leftLink = head
            // ORDERING: acquire; pairs with the publishing CAS of whatever it points to.
            var leftNext = guardian.load(head, .acquiring)
            var link = head
            var word = leftNext
            var right: UnsafeMutableRawPointer?
            while true {
                if !word.isMarked {
                    leftLink = link
                    leftNext = word
                }
                guard let node = word.node else { right = nil; break }
                link = shape.next(node, R.self)
                word = guardian.load(link, .acquiring)
                if !word.isMarked && shape.key(node, R.self) >= key { right = node; break }
            }
            // Storable only because this search runs under `.optimisticTraversal`: `right`
            // was reached inside this guard, so it stays allocated, and no link counts.
            let rightWord = guardian.storable(LoadedWord(unprotected: TaggedNode(right)))
            if leftNext.node != right {
                let (unlinked, _) = guardian.compareExchange(
                    leftLink, expected: leftNext, desired: rightWord, .acquiringAndReleasing)
                guard unlinked else { continue }
                // The run leftNext … (before right) is ours to retire.
                var dead = leftNext.node
                while let node = dead, node != right {
                    dead = guardian.load(shape.next(node, R.self), .acquiring).node
                    stressPoint(.unlinkedBeforeRetire)
                    shape.retire(node, in: guardian, R.self)
                }
            }
            guard let right else {
                return ListPosition(found: false, previous: leftLink, current: rightWord, next: .null)
            }
            // right's next, read once: marked means right is being removed — search again
            // (and help unlink it) rather than report a key that is logically gone.
            let rightNext = guardian.load(shape.next(right, R.self), .acquiring)
            if rightNext.isMarked { continue }
            return ListPosition(
                found: shape.key(right, R.self) == key, previous: leftLink, current: rightWord,
                next: guardian.storable(rightNext))
        }
    }

    // MARK: operations

    /// The value stored under `key`, or nil.
    @inlinable
    public static func value(
        forKey key: Int, head: UnsafeMutablePointer<R.Link>, shape: ListNodeShape, in guardian: borrowing R.Guard
    ) -> Int? {
        if optimistic {
            // A read-only walk (Herlihy & Shavit's wait-free contains): no helping.
            var word = guardian.load(head, .acquiring)
            while let node = word.node {
                let next = guardian.load(shape.next(node, R.self), .acquiring)
                let nodeKey = shape.key(node, R.self)
                if nodeKey >= key { return nodeKey == key && !next.isMarked ? shape.value(node, R.self) : nil }
                word = next
            }
            return nil
        }
        let found = protectedFind(head, key: key, shape: shape, in: guardian)
        guard found.found, let node = found.current.node else { return nil }
        return shape.value(node, R.self)
    }

    /// Inserts `key` → `value` unless the key is present; true when inserted.
    @inlinable
    public static func insert(
        _ key: Int, value: Int, head: UnsafeMutablePointer<R.Link>, shape: ListNodeShape, domain: R,
        allowDuplicates: Bool = false, in guardian: borrowing R.Guard
    ) -> Bool {
        let node = domain.allocate(shape.layout)
        shape.initialize(node, key: key, value: value, R.self)
        while true {
            let place = find(head, key: key, shape: shape, in: guardian)
            if place.found && !allowDuplicates {
                guardian.store(shape.next(node, R.self), .null, .relaxed)  // rc: drop the link's count first
                domain.deallocate(node, shape.layout)
                return false
            }
            // ORDERING: relaxed; the CAS below publishes the node with release.
            guardian.store(shape.next(node, R.self), place.current, .relaxed)
            let (linked, _) = guardian.compareExchange(
                place.previous, expected: place.current, desired: TaggedNode(node), .acquiringAndReleasing)
            if linked { return true }
        }
    }

    /// Removes `key`; true when this call removed it.
    @inlinable
    public static func remove(
        _ key: Int, head: UnsafeMutablePointer<R.Link>, shape: ListNodeShape, marking: Bool = true,
        hook: (@Sendable (StructureHookPoint) -> Void)? = nil, in guardian: borrowing R.Guard
    ) -> Bool {
        while true {
            let place = find(head, key: key, shape: shape, in: guardian)
            guard place.found, let node = place.current.node else { return false }
            hook?(.removeFoundNode)
            if marking {
                // Logical deletion: mark curr's next, expecting it unmarked (find returns it
                // so). Fails if next changed — an insert after curr, or another remover
                // marked it first (then that remover owns the removal): find again.
                let (marked, _) = guardian.compareExchange(
                    shape.next(node, R.self), expected: place.next, desired: place.next.marked(), .acquiringAndReleasing)
                guard marked else { continue }
            }
            // Physical deletion; if it fails, a find unlinks (and retires) it for us.
            let (unlinked, _) = guardian.compareExchange(
                place.previous, expected: place.current, desired: place.next.unmarked(), .acquiringAndReleasing)
            if unlinked {
                stressPoint(.unlinkedBeforeRetire)
                shape.retire(node, in: guardian, R.self)
            } else if marking {
                _ = find(head, key: key, shape: shape, in: guardian)
            } else {
                continue  // the planted unmarked unlink: just try again
            }
            return true
        }
    }

    /// Every node in the list, in order, read without synchronization: only when no other
    /// thread uses the list (teardown, model checks).
    public static func nodesQuiescent(
        head: UnsafeMutablePointer<R.Link>, shape: ListNodeShape, in guardian: borrowing R.Guard
    ) -> [UnsafeMutableRawPointer] {
        var nodes: [UnsafeMutableRawPointer] = []
        var word = guardian.load(head, .acquiring)
        while let node = word.node {
            nodes.append(node)
            word = guardian.load(shape.next(node, R.self), .acquiring)
        }
        return nodes
    }

    /// Empties the list and retires every node: only when no other thread uses it.
    public static func retireAllQuiescent(head: UnsafeMutablePointer<R.Link>, shape: ListNodeShape, in guardian: borrowing R.Guard) {
        let nodes = nodesQuiescent(head: head, shape: shape, in: guardian)
        guardian.store(head, .null, .releasing)
        for node in nodes { shape.retire(node, in: guardian, R.self) }
    }
}
