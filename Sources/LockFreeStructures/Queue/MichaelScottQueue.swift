// The Michael–Scott queue. M. M. Michael and M. L. Scott, "Simple, fast, and practical
// non-blocking and blocking concurrent queue algorithms", PODC 1996; with hazard pointers
// as in Michael 2004 (§5): head and its next protected, the head re-validated after next
// is protected.
//
// A singly linked list with a dummy node at the head; head and tail are links. Every
// dequeue retires the old dummy: the update-heavy structure of the workloads.
//
// Invariants: tail lags the last node by at most one (any thread helps it along); the
// node after the dummy holds the front value, read before the CAS that makes it the dummy
// (after the CAS another dequeuer may retire it).
//
// Orderings: enqueue links its node with an acq_rel CAS on the last node's next (the
// value written before, relaxed); readers protect (acquire or stronger); head and tail
// move with acq_rel CAS.

import Reclamation

/// A lock-free FIFO queue of Int values, written once for every scheme.
public final class MichaelScottQueue<R: Reclaimer>: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): head and tail are the scheme's atomic links, touched
    // only through guards; everything else is immutable after init.
    public let domain: R
    @usableFromInline let ends: UnsafeMutablePointer<R.Link>  // [0] head, [1] tail
    @usableFromInline let layout: NodeLayout
    @usableFromInline let fault: PlantedStructureFault
    @usableFromInline let timing: RetireTiming?

    /// head (or tail) and its next.
    public static var slotsNeeded: Int { 2 }

    /// An empty queue (one dummy node) whose nodes carry `payloadBytes` beyond the value;
    /// with `timing`, dequeued dummies are retired timed.
    public convenience init(domain: R, payloadBytes: Int = 0, timing: RetireTiming? = nil,
                            using participant: borrowing R.Participant) {
        self.init(domain: domain, payloadBytes: payloadBytes, timing: timing, fault: .none, using: participant)
    }

    @_spi(Planted)
    public init(domain: R, payloadBytes: Int = 0, timing: RetireTiming? = nil, fault: PlantedStructureFault,
                using participant: borrowing R.Participant) {
        self.domain = domain
        let extra = timing == nil ? payloadBytes : max(payloadBytes, 8)
        layout = NodeLayout(links: 1, dataBytes: 8 + extra)
        self.timing = timing.map { RetireTiming(deleter: $0.deleter, stampOffset: 8) }
        self.fault = fault
        ends = .allocate(capacity: 2)
        ends.initialize(to: R.Link(.null))
        (ends + 1).initialize(to: R.Link(.null))
        let dummy = domain.allocate(layout)
        participant.withGuard { guardian in
            guardian.store(ends, TaggedNode(dummy), .releasing)
            guardian.store(ends + 1, TaggedNode(dummy), .releasing)
        }
    }

    deinit {
        ends.deinitialize(count: 2)
        ends.deallocate()
    }

    public var nodeBytes: Int { layout.allocationBytes(R.self) }
    /// The layout of every node (what a custom deleter frees with).
    public var nodeLayout: NodeLayout { layout }

    @inlinable var head: UnsafeMutablePointer<R.Link> { ends }
    @inlinable var tail: UnsafeMutablePointer<R.Link> { ends + 1 }

    @inlinable
    func next(_ node: UnsafeMutableRawPointer) -> UnsafeMutablePointer<R.Link> { layout.link(node, 0, R.self) }

    @inlinable
    func value(_ node: UnsafeMutableRawPointer) -> Int { layout.data(node, R.self).load(as: Int.self) }

    @inlinable
    public func enqueue(_ value: Int, using participant: borrowing R.Participant) {
        let node = domain.allocate(layout)
        layout.data(node, R.self).storeBytes(of: value, as: Int.self)
        participant.withGuard { guardian in
            while true {
                let last = guardian.protect(tail, slot: 0)
                guard let lastNode = last.node else { preconditionFailure("queue without a dummy node") }
                let after = guardian.load(next(lastNode), .acquiring)
                // tail must still be `last` for its next to matter (Michael & Scott E7).
                if guardian.load(tail, .acquiring) != last { continue }
                if !after.isNull {
                    // tail lags: help it along, then retry. The word stored must be
                    // protected (a loaded one is not storable: under rc the store counts
                    // a node that may be freed), so the slow path protects it first.
                    let protected = guardian.protect(next(lastNode), slot: 1)
                    if !protected.isNull {
                        _ = guardian.compareExchange(tail, expected: last, desired: protected, .acquiringAndReleasing)
                    }
                    guardian.resetProtection(slot: 1)
                    continue
                }
                let (linked, _) = guardian.compareExchange(
                    next(lastNode), expected: .null, desired: TaggedNode(node), .acquiringAndReleasing)
                if linked {
                    _ = guardian.compareExchange(tail, expected: last, desired: TaggedNode(node), .acquiringAndReleasing)
                    return
                }
            }
        }
    }

    /// The front value, or nil when the queue is empty.
    @inlinable
    public func dequeue(using participant: borrowing R.Participant) -> Int? {
        participant.withGuard { guardian in
            while true {
                let first = guardian.protect(head, slot: 0)
                guard let firstNode = first.node else { preconditionFailure("queue without a dummy node") }
                let last = guardian.load(tail, .acquiring)
                let after = guardian.protect(next(firstNode), slot: 1)
                // head must still be `first`: then `after` was its successor while linked
                // (Michael 2004's validation for hazard pointers).
                if guardian.load(head, .acquiring) != first { continue }
                guard let afterNode = after.node else { return nil }
                if first == last {
                    _ = guardian.compareExchange(tail, expected: last, desired: after, .acquiringAndReleasing)
                    continue
                }
                // Read before the CAS: afterwards another dequeuer may retire `after`.
                let front = fault == .dequeuesDummyValue ? value(firstNode) : value(afterNode)
                let (moved, _) = guardian.compareExchange(head, expected: first, desired: after, .acquiringAndReleasing)
                if moved {
                    stressPoint(.unlinkedBeforeRetire)
                    if let timing {
                        timing.retire(firstNode, data: layout.data(firstNode, R.self), in: guardian, R.self)
                    } else {
                        guardian.retire(firstNode, layout)
                    }
                    return front
                }
            }
        }
    }

    /// Dequeues everything, then retires the dummy: only while no other thread uses the
    /// queue. Returns the values left in it, in order.
    public func removeAllQuiescent(using participant: borrowing R.Participant) -> [Int] {
        var values: [Int] = []
        while let value = dequeue(using: participant) { values.append(value) }
        participant.withGuard { guardian in
            let dummy = guardian.load(head, .acquiring)
            guardian.store(head, .null, .releasing)
            guardian.store(tail, .null, .releasing)
            if let node = dummy.node { guardian.retire(node, layout) }
        }
        return values
    }
}
