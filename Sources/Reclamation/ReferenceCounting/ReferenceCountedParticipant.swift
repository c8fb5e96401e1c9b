import Synchronization

/// A thread's rc state: the node each slot holds (hot block, owner-only).
@usableFromInline
final class ReferenceCountedRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; `held` is owner-only.
    static let maximumSlots = 64
    @usableFromInline let slotCapacity: Int
    /// SAFETY: points into the hot block, which lives as long as the record.
    @usableFromInline let held: UnsafeMutablePointer<UInt>
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: ReferenceCountedDomain

    init(domain: ReferenceCountedDomain, slots: Int) {
        self.domain = domain
        slotCapacity = slots
        let hot = HotHeader.allocate(schemeBytes: slots * MemoryLayout<UInt>.stride)
        held = hot.schemeArea.bindMemory(to: UInt.self, capacity: slots)
        held.initialize(repeating: 0, count: slots)
        super.init(domain: domain, schemeID: ReferenceCountedDomain.descriptor.id,
                   hot: hot, eventCount: ReferenceCountedDomain.Event.allCases.count)
    }

    /// Owner-only: the retirement pays back the owner's reference.
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        if entry.function != nil {
            domain.registerDeleter(NodeDeleter(entry.function!, context: UnsafeMutableRawPointer(bitPattern: entry.argument)), for: entry.node)
        }
        domain.releaseReference(entry.node, record: self)
    }
}

/// A thread registered with an rc domain.
public struct ReferenceCountedParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = ReferenceCountedDomain
    @usableFromInline let domain: ReferenceCountedDomain
    @usableFromInline let record: ReferenceCountedRecord
    @usableFromInline let hot: HotHeader

    init(domain: ReferenceCountedDomain, record: ReferenceCountedRecord) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
    }

    /// The outermost guard's end pays back every protection still held.
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReferenceCountedGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 {
                for slot in 0..<record.slotCapacity where record.held[slot] != 0 {
                    let node = UnsafeMutableRawPointer(bitPattern: record.held[slot])!
                    record.held[slot] = 0
                    if ReferenceCountedNode.add(node, -1) == 0 { domain.free(node, record: record) }
                }
            }
        }
        return try body(ReferenceCountedGuard(domain: domain, record: record))
    }

    public func flush() {}

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}

/// An rc guard: protect acquires a counted reference through the link's local count.
@frozen
public struct ReferenceCountedGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = ReferenceCountedDomain
    @usableFromInline unowned(unsafe) let domain: ReferenceCountedDomain
    @usableFromInline unowned(unsafe) let record: ReferenceCountedRecord

    @inlinable
    init(domain: ReferenceCountedDomain, record: ReferenceCountedRecord) {
        self.domain = domain
        self.record = record
    }

    @inlinable
    public func load(_ link: UnsafeMutablePointer<ReferenceCountedLink>, _ ordering: LinkLoadOrdering) -> LoadedWord {
        switch ordering {
        case .relaxed: LoadedWord(unprotected: ReferenceCountedLink.tagged(link.pointee.word.load(ordering: .relaxed)))
        case .acquiring: LoadedWord(unprotected: ReferenceCountedLink.tagged(link.pointee.word.load(ordering: .acquiring)))
        }
    }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<ReferenceCountedLink>, slot: Int) -> TaggedNode {
        assert(slot >= 0 && slot < record.slotCapacity, "rc: slot \(slot) outside the registered slots")
        resetProtection(slot: slot)
        // ORDERING: relaxed; only to skip counting on a null link.
        if ReferenceCountedLink.node(of: link.pointee.word.load(ordering: .relaxed)) == nil {
            return ReferenceCountedLink.tagged(link.pointee.word.load(ordering: .acquiring))
        }
        // ORDERING[RC-E1]: acquire pairs with the release that published the node; the
        // add reads the address and counts the reference in one atomic step.
        let word = link.pointee.word.add(ReferenceCountedLink.localUnit, ordering: .acquiring).oldValue
        guard let node = ReferenceCountedLink.node(of: word) else { return ReferenceCountedLink.tagged(word) }
        stressPoint(.countedBeforeRevalidation)
        record.held[slot] = UInt(bitPattern: node)
        if ReferenceCountedLink.localCount(of: word) &+ 1 >= ReferenceCountedLink.normalizeAt {
            domain.normalize(link, record: record)
        }
        return ReferenceCountedLink.tagged(word)
    }

    @inlinable
    public func resetProtection(slot: Int) {
        let held = record.held[slot]
        guard held != 0 else { return }
        record.held[slot] = 0
        let node = UnsafeMutableRawPointer(bitPattern: held)!
        if ReferenceCountedNode.add(node, -1) == 0 { domain.free(node, record: record) }
    }

    /// Replaces the link's node: the new one gains a link reference first, the old one
    /// loses its link reference and receives the link's local count (I1).
    @inlinable
    public func store(_ link: UnsafeMutablePointer<ReferenceCountedLink>, _ desired: TaggedNode, _ ordering: LinkStoreOrdering) {
        if let node = desired.node { _ = ReferenceCountedNode.counts(node).pointee.add(ReferenceCountedNode.linkUnit, ordering: .relaxed) }
        // ORDERING[RC-E1]: acq_rel; release publishes the new node, acquire before the old
        // one may be freed. (Stronger than a plain store: counts must move.)
        let old = link.pointee.word.exchange(desired.bits, ordering: .acquiringAndReleasing)
        domain.dropLink(old, record: record)
    }

    @inlinable
    public func compareExchange(
        _ link: UnsafeMutablePointer<ReferenceCountedLink>, expected: TaggedNode, desired: TaggedNode,
        _ ordering: LinkUpdateOrdering
    ) -> (exchanged: Bool, original: LoadedWord) {
        let sameNode = expected.addressBits == desired.addressBits
        if !sameNode, let node = desired.node {
            // ORDERING: relaxed; the caller holds a reference to `desired`, and the CAS below
            // publishes the link with release.
            _ = ReferenceCountedNode.counts(node).pointee.add(ReferenceCountedNode.linkUnit, ordering: .relaxed)
        }
        var current = link.pointee.word.load(ordering: .relaxed)
        while ReferenceCountedLink.tagged(current) == expected {
            // A mark-only change keeps the local count; a new node starts with none.
            let next = sameNode ? (current & ~ReferenceCountedLink.addressMask) | desired.bits : desired.bits
            // ORDERING[RC-E1]: acq_rel; see store.
            let (exchanged, original) = link.pointee.word.compareExchange(
                expected: current, desired: next, ordering: .acquiringAndReleasing)
            if exchanged {
                if !sameNode { domain.dropLink(current, record: record) }
                return (true, LoadedWord(unprotected: expected))
            }
            current = original  // a reader moved the local count, or the link changed
        }
        if !sameNode, let node = desired.node {
            // Undo; the caller's own reference keeps the node alive.
            _ = ReferenceCountedNode.counts(node).pointee.add(-ReferenceCountedNode.linkUnit, ordering: .relaxed)
        }
        return (false, LoadedWord(unprotected: ReferenceCountedLink.tagged(current)))
    }

    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        Unmanaged.passUnretained(record)._withUnsafeGuaranteedRef {
            $0.retire(RetiredNode(node: node, allocationBytes: layout.allocationBytes(Domain.self)))
        }
    }

    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) {
        Unmanaged.passUnretained(record)._withUnsafeGuaranteedRef { $0.retire(RetiredNode(node: node, deleter: deleter)) }
    }

    /// Moves the slot's counted reference into a token (a reference is not bound to a thread).
    public func detach(slot: Int) -> ReferenceCountedHandOff {
        let held = record.held[slot]
        precondition(held != 0, "rc: detach(slot: \(slot)) on a slot that holds nothing")
        record.held[slot] = 0
        return ReferenceCountedHandOff(domain: domain, node: TaggedNode(bits: held))
    }
}

/// A counted reference moved out of a guard; release it once, on any thread.
public struct ReferenceCountedHandOff: ProtectionHandOff, ~Copyable, @unchecked Sendable {
    // SAFETY: a counted reference keeps the node alive; the count is atomic.
    let domain: ReferenceCountedDomain
    public let node: TaggedNode
}
