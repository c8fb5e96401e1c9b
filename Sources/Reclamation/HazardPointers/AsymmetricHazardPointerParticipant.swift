import Synchronization

import CReclaimSupport

/// A thread registered with an hp-asym domain. Same as `HazardPointerParticipant` but for
/// its guard type; its record lives in the domain's core.
public struct AsymmetricHazardPointerParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = AsymmetricHazardPointerDomain
    @usableFromInline let domain: AsymmetricHazardPointerDomain
    @usableFromInline let record: HazardRecord
    @usableFromInline let hot: HotHeader
    // Four stored words, so that the struct travels in registers (see QuiescentStateParticipant).
    @inlinable var slots: UnsafeMutablePointer<Atomic<UInt>> {
        hot.scheme(Atomic<UInt>.self)
    }
    @usableFromInline let slotCount: Int

    init(domain: AsymmetricHazardPointerDomain, record: HazardRecord) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
        self.slotCount = record.slotCapacity
    }

    /// As hp: no read-side section of its own; the guard's end clears the slots it used
    /// and runs a scan a retire asked for (never inside the guard).
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing AsymmetricHazardPointerGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 { endOutermostGuard() }
        }
        return try body(AsymmetricHazardPointerGuard(record: record, slots: slots))
    }

    /// Clears the slots this guard used (see `HazardPointerParticipant.endOutermostGuard`).
    @inlinable
    func endOutermostGuard() {
        for index in 0..<slotCount {
            // ORDERING[HP-E2]: release pairs with scan's acquire slot load.
            publishWord(slots + index, 0, .releasing)
        }
        drainOwnPublishes()
        if hot.pendingWork != 0 { domain.core.performDeferredWork(record) }
    }

    public func flush() { domain.core.flush(record) }

    public func quiescentState() {}

    deinit {
        precondition(record.hot.guardDepth == 0, "hp-asym: a participant left inside its own guard")
        domain.core.unregister(record)
    }
}

/// An hp-asym guard: protect publishes, compiler-fences and re-validates; the hardware
/// fence is the scanner's membarrier (HPA-E1).
@frozen
public struct AsymmetricHazardPointerGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = AsymmetricHazardPointerDomain
    @usableFromInline unowned(unsafe) let record: HazardRecord
    @usableFromInline let slots: UnsafeMutablePointer<Atomic<UInt>>

    @inlinable
    init(record: HazardRecord, slots: UnsafeMutablePointer<Atomic<UInt>>) {
        self.record = record
        self.slots = slots
    }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        assert(slot >= 0 && slot < record.slotCapacity, "hp-asym: slot \(slot) outside the registered slots")
        // ORDERING: relaxed; the value is only published and then re-validated.
        var observed = link.pointee.load(.relaxed)
        while true {
            // ORDERING[HPA-E2]: release; the slot may hold this guard's earlier protection,
            // whose node a scan that sees the new value may free.
            publishWord(slots + slot, observed.addressBits, .releasing)
            // ORDERING[HPA-E1]: compiler-only; keeps the re-load after the slot store in
            // program order. The hardware barrier is the scanner's membarrier.
            rs_compiler_barrier()
            stressPoint(.publishedBeforeRevalidation)
            // ORDERING[HPA-E1][HPA-E3]: acquire re-load of the whole tagged word (a mark set
            // meanwhile is a change, as in hp).
            let current = link.pointee.load(.acquiring)
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

    /// Moves the protection in `slot` into a hand-off record of the core (HP-E3).
    public func detach(slot: Int) -> HazardHandOff {
        record.detach(slot: slot, scheme: "hp-asym")
    }
}
