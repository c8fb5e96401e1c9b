import Synchronization

/// A thread registered with a hazard-pointer domain.
public struct HazardPointerParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = HazardPointerDomain
    @usableFromInline let domain: HazardPointerDomain
    @usableFromInline let record: HazardRecord
    @usableFromInline let hot: HotHeader
    // Four stored words, so that the struct travels in registers (see QuiescentStateParticipant).
    @inlinable var slots: UnsafeMutablePointer<Atomic<UInt>> {
        hot.scheme(Atomic<UInt>.self)
    }
    @usableFromInline let slotCount: Int

    init(domain: HazardPointerDomain, record: HazardRecord) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
        self.slotCount = record.slotCapacity
    }

    /// Hazard pointers need no read-side section of their own; the guard's end clears the
    /// slots it used and runs a scan a retire asked for (never inside the guard).
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing HazardPointerGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 { endOutermostGuard() }
        }
        return try body(HazardPointerGuard(record: record, slots: slots))
    }

    /// Clears every registered slot, used or not, as ck_hp_clear does: a store each, no
    /// load and no branch. Testing each slot first (and skipping the ones at 0) is a
    /// data-dependent branch in Michael's find, whose rotating slots leave a different one
    /// empty each lookup (hp ÷ ck-hp 0.93 → 0.99 in one interleaved A/B; no hardware
    /// counters here to show the mispredictions themselves); a
    /// mask of used slots, a byte-wide read-modify-write per protect read back here as a
    /// word, defeats store-to-load forwarding (8.6 ns per guarded read against 2.2 ns).
    @inlinable
    func endOutermostGuard() {
        for index in 0..<slotCount {
            // ORDERING[HP-E2]: release pairs with scan's acquire slot load.
            publishWord(slots + index, 0, .releasing)
        }
        drainOwnPublishes()
        if hot.pendingWork != 0 { domain.performDeferredWork(record) }
    }

    public func flush() { domain.flush(record) }

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}

/// A hazard-pointer guard: protect publishes, fences and re-validates.
@frozen
public struct HazardPointerGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = HazardPointerDomain
    @usableFromInline unowned(unsafe) let record: HazardRecord
    @usableFromInline let slots: UnsafeMutablePointer<Atomic<UInt>>

    @inlinable
    init(record: HazardRecord, slots: UnsafeMutablePointer<Atomic<UInt>>) {
        self.record = record
        self.slots = slots
    }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        assert(slot >= 0 && slot < record.slotCapacity, "hp: slot \(slot) outside the registered slots")
        // ORDERING: relaxed; the value is only published and then re-validated.
        var observed = link.pointee.load(.relaxed)
        while true {
            // ORDERING[HP-E1]: seq_cst store, then seq_cst re-load; pairs with the fence in
            // snapshotProtections(). Weaker lets the re-load pass the store → use-after-free.
            publishWord(slots + slot, observed.addressBits, .sequentiallyConsistent)
            stressPoint(.publishedBeforeRevalidation)
            let current = link.pointee.loadSequentiallyConsistent()
            // The whole word: a mark set meanwhile is a change (Harris–Michael validates
            // through it).
            if current == observed { return current }
            observed = current
        }
    }

    @inlinable
    public func resetProtection(slot: Int) {
        // ORDERING[HP-E2]: release pairs with scan's acquire slot load.
        publishWord(slots + slot, 0, .releasing)
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

    /// Moves the protection in `slot` into a domain-owned hand-off record (HP-E3).
    public func detach(slot: Int) -> HazardHandOff {
        record.detach(slot: slot, scheme: "hp")
    }
}

extension HazardRecord {
    /// Owner-only: moves the protection in `slot` into a hand-off record of the domain
    /// (hp's and hp-asym's detach).
    func detach(slot: Int, scheme: String) -> HazardHandOff {
        // ORDERING: relaxed; our own slot, written by this thread only.
        let value = ownWord(slots + slot)
        precondition(value != 0, "\(scheme): detach(slot: \(slot)) on a slot that protects nothing")
        let holder = domain.claimHandOffRecord()
        // ORDERING[HP-E3]: the hand-off slot is written before the thread slot is cleared
        // with release; a scan reads thread slots (acquire) before hand-off records.
        if domain.plantedFault != .detachDropsProtection {
            holder.slots[0].store(value, ordering: .relaxed)
        }
        stressPoint(.movedBeforeSourceCleared)
        publishWord(slots + slot, 0, .releasing)
        drainOwnPublishes()
        bumpEvent(HazardPointerDomain.Event.handOffs.rawValue)
        return HazardHandOff(domain: domain, holder: holder, node: TaggedNode(bits: value))
    }
}

/// A detached hazard-pointer protection. Send it to any thread (through a channel that
/// gives a happens-before edge: a lock, a queue, a semaphore) and end it there with
/// `HazardPointerDomain.release(_:)`; the node stays protected until then. `~Copyable`:
/// it can be released once only.
public struct HazardHandOff: ProtectionHandOff, ~Copyable, @unchecked Sendable {
    // SAFETY: the holder record is domain-owned and lives as long as the domain, which
    // this token keeps alive; only release(_:) writes its slot.
    let domain: HazardPointerDomain
    let holder: HazardRecord
    /// The protected node.
    public let node: TaggedNode

    init(domain: HazardPointerDomain, holder: HazardRecord, node: TaggedNode) {
        self.domain = domain
        self.holder = holder
        self.node = node
    }
}
