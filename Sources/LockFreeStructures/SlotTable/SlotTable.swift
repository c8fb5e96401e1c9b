// A slot table: a fixed array of links, each to a node holding a value. A read protects
// one slot's node and reads it; an update allocates a node, swaps it in and retires the
// old one. It isolates the cost of reclamation from the cost of traversal — the view of
// the kernel's refscale and of P. E. McKenney's "routing table" in perfbook (Is Parallel
// Programming Hard…, §9) — and is the structure on which the suite compares with C.
//
// Orderings: the new node is written (relaxed) before the acq_rel CAS that publishes it;
// a read protects (acquire or stronger). Each update retires exactly the node its CAS
// replaced, so every node is retired once.

import Reclamation

/// `count` slots, each holding one node with an Int value.
public final class SlotTable<R: Reclaimer>: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the slots are the scheme's atomic links, touched only
    // through guards; everything else is immutable after init.
    public let domain: R
    public let count: Int
    @usableFromInline let slots: UnsafeMutablePointer<R.Link>
    @usableFromInline let layout: NodeLayout
    @usableFromInline let fault: PlantedStructureFault

    public static var slotsNeeded: Int { 1 }

    /// Every slot starts with a node holding `initialValue(index)`.
    public convenience init(domain: R, count: Int, payloadBytes: Int = 0, using participant: borrowing R.Participant,
                            initialValue: (Int) -> Int = { $0 }) {
        self.init(domain: domain, count: count, payloadBytes: payloadBytes, fault: .none, using: participant,
                  initialValue: initialValue)
    }

    @_spi(Planted)
    public init(domain: R, count: Int, payloadBytes: Int = 0, fault: PlantedStructureFault,
                using participant: borrowing R.Participant, initialValue: (Int) -> Int = { $0 }) {
        precondition(count >= 1, "a slot table needs at least one slot")
        self.domain = domain
        self.count = count
        layout = NodeLayout(links: 0, dataBytes: 8 + payloadBytes)
        self.fault = fault
        slots = .allocate(capacity: count)
        for index in 0..<count { (slots + index).initialize(to: R.Link(.null)) }
        participant.withGuard { guardian in
            for index in 0..<count {
                let node = domain.allocate(layout)
                layout.data(node, R.self).storeBytes(of: initialValue(index), as: Int.self)
                guardian.store(slots + index, TaggedNode(node), .releasing)
            }
        }
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    public var nodeBytes: Int { layout.allocationBytes(R.self) }
    /// The layout of every node (what a custom deleter frees with).
    public var nodeLayout: NodeLayout { layout }

    /// What a read needs (the links and where a node's value sits), as a value a loop keeps
    /// in registers: a class's fields are loaded again on every call through it (the
    /// cells' reader loops read through this, saving those loads and an overflow check).
    @frozen
    public struct Reader {
        @usableFromInline let slots: UnsafeMutablePointer<R.Link>
        @usableFromInline let valueOffset: Int

        @inlinable
        init(slots: UnsafeMutablePointer<R.Link>, valueOffset: Int) {
            self.slots = slots
            self.valueOffset = valueOffset
        }

        /// The value in slot `index` (as `SlotTable.read`).
        @inlinable
        public func read(_ index: Int, using participant: borrowing R.Participant) -> Int {
            participant.withGuard { guardian in
                guard let node = guardian.protect(slots + index, slot: 0).node else { return 0 }
                return node.load(fromByteOffset: valueOffset, as: Int.self)
            }
        }
    }

    /// A reader over this table; the table must outlive it.
    @inlinable
    public var reader: Reader { Reader(slots: slots, valueOffset: layout.dataOffset(R.self)) }

    /// The value in slot `index`.
    @inlinable
    public func read(_ index: Int, using participant: borrowing R.Participant) -> Int {
        participant.withGuard { guardian in
            guard let node = guardian.protect(slots + index, slot: 0).node else { return 0 }
            return layout.data(node, R.self).load(as: Int.self)
        }
    }

    /// Reads slot `index` and calls `holding` while its node is still protected (inside the
    /// guard): the overcommit workload sleeps there, as a preempted reader would. The
    /// guard is told first (`prepareToBlock()`).
    @inlinable
    public func read(_ index: Int, using participant: borrowing R.Participant, whileHolding holding: () -> Void) -> Int {
        participant.withGuard { guardian in
            guard let node = guardian.protect(slots + index, slot: 0).node else { return 0 }
            let value = layout.data(node, R.self).load(as: Int.self)
            guardian.prepareToBlock()  // hp-percpu moves the protection to its backup slot
            holding()
            return value
        }
    }

    /// Replaces slot `index`'s node with one holding `value`; returns the old value.
    @inlinable
    @discardableResult
    public func update(_ index: Int, to value: Int, using participant: borrowing R.Participant) -> Int {
        let fresh = domain.allocate(layout)
        layout.data(fresh, R.self).storeBytes(of: value, as: Int.self)
        return participant.withGuard { guardian in
            // protect, not load: the old value is read before the node may be retired.
            var expected = guardian.protect(slots + index, slot: 0)
            while true {
                let (swapped, original) = guardian.compareExchange(
                    slots + index, expected: expected, desired: TaggedNode(fresh), .acquiringAndReleasing)
                if swapped { break }
                expected = guardian.protect(slots + index, slot: 0)
                _ = original
            }
            guard let old = expected.node else { return 0 }
            let oldValue = layout.data(old, R.self).load(as: Int.self)
            stressPoint(.unlinkedBeforeRetire)
            if fault != .forgetsToRetire { guardian.retire(old, layout) }
            return oldValue
        }
    }

    /// Empties every slot, retiring its node: only while no other thread uses the table.
    public func removeAllQuiescent(using participant: borrowing R.Participant) {
        participant.withGuard { guardian in
            for index in 0..<count {
                let old = guardian.load(slots + index, .acquiring)
                guardian.store(slots + index, .null, .releasing)
                if let node = old.node { guardian.retire(node, layout) }
            }
        }
    }
}
