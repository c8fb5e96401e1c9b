import Synchronization

import CReclaimSupport

/// A thread registered with an `hp-percpu` domain: its backup slots (a hazard record in
/// the core's registry, K ≥ 3) and its owner-only state (where each protection lives).
public struct PerCPUHazardParticipant<Variant: PerCPUHazardVariant>: ReclaimerParticipant, ~Copyable {
    public typealias Domain = PerCPUHazardPointerDomainOf<Variant>
    @usableFromInline let domain: PerCPUHazardPointerDomainOf<Variant>
    @usableFromInline let record: HazardRecord
    @usableFromInline let hot: HotHeader
    @usableFromInline let state: PerCPUHazardState
    /// The per-CPU table's memory and line count, copied here so that the read path loads
    /// no class reference (which would cost a retain and a release per guard).
    @usableFromInline let lines: UnsafeMutableRawPointer
    @usableFromInline let cpus: Int
    @usableFromInline let locations: UnsafeMutablePointer<UnsafeMutablePointer<Atomic<UInt>>?>
    @usableFromInline let hint: UnsafeMutablePointer<Int>
    @usableFromInline let slotCount: Int

    init(domain: PerCPUHazardPointerDomainOf<Variant>, record: HazardRecord, state: PerCPUHazardState) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
        self.state = state
        lines = domain.table.base
        cpus = domain.table.cpus
        locations = state.locations
        hint = state.hint
        slotCount = state.count
    }

    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing PerCPUHazardGuard<Variant>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 { endOutermostGuard() }
        }
        return try body(PerCPUHazardGuard(record: record, locations: locations, hint: hint, count: slotCount,
                                          lines: lines, cpus: cpus))
    }

    /// Gives back every slot this guard used (per-CPU or backup) and runs a scan a retire
    /// asked for.
    @inlinable
    func endOutermostGuard() {
        for index in 0..<slotCount {
            if let location = locations[index] {
                // ORDERING[HPC-E2]: release pairs with the scan's acquire loads.
                location.pointee.store(0, ordering: .releasing)
                locations[index] = nil
            }
        }
        if hot.pendingWork != 0 { domain.performDeferredWork(record) }
    }

    public func flush() {
        PerCPUHazardState.countFastPathHits(hint, record)
        domain.core.flush(record)
    }

    public func quiescentState() {}

    deinit {
        PerCPUHazardState.countFastPathHits(hint, record)
        domain.core.unregister(record)
    }
}

/// An `hp-percpu` guard: protect claims a per-CPU slot by CAS (or falls back to a backup
/// slot), then re-validates.
@frozen
public struct PerCPUHazardGuard<Variant: PerCPUHazardVariant>: ReclaimerGuard, ~Copyable {
    public typealias Domain = PerCPUHazardPointerDomainOf<Variant>
    @usableFromInline unowned(unsafe) let record: HazardRecord
    @usableFromInline let locations: UnsafeMutablePointer<UnsafeMutablePointer<Atomic<UInt>>?>
    @usableFromInline let hint: UnsafeMutablePointer<Int>
    @usableFromInline let count: Int
    @usableFromInline let lines: UnsafeMutableRawPointer
    @usableFromInline let cpus: Int

    @inlinable
    init(record: HazardRecord, locations: UnsafeMutablePointer<UnsafeMutablePointer<Atomic<UInt>>?>,
         hint: UnsafeMutablePointer<Int>, count: Int, lines: UnsafeMutableRawPointer, cpus: Int) {
        self.record = record
        self.locations = locations
        self.hint = hint
        self.count = count
        self.lines = lines
        self.cpus = cpus
    }

    /// True when `slot` is a per-CPU slot (not a backup slot).
    @inlinable
    func isPerCPU(_ slot: UnsafeMutablePointer<Atomic<UInt>>) -> Bool {
        let address = UnsafeMutableRawPointer(slot)
        return address >= lines && address < lines + cpus &* PerCPUSlotTable.lineBytes
    }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        assert(slot >= 0 && slot < count, "hp-percpu: slot \(slot) outside the registered slots")
        // ORDERING: relaxed; the value is only published and then re-validated.
        var observed = link.pointee.load(.relaxed)
        while true {
            publish(observed.addressBits, slot: slot)
            stressPoint(.publishedBeforeRevalidation)
            // ORDERING[HPC-E1]: seq_cst re-load after the seq_cst CAS or store.
            let current = link.pointee.loadSequentiallyConsistent()
            if current == observed { return current }
            observed = current
        }
    }

    /// Makes protection `slot` hold `bits`: in the slot it already owns, else in a per-CPU
    /// slot claimed by CAS, else in its backup slot. Null gives the slot back.
    @inlinable
    func publish(_ bits: UInt, slot: Int) {
        if let location = locations[slot] {
            if bits == 0 {
                // ORDERING[HPC-E2]: release; the slot is free for others from here on.
                location.pointee.store(0, ordering: .releasing)
                locations[slot] = nil
            } else {
                // ORDERING[HPC-E1]: seq_cst store into a slot we own (P1).
                location.pointee.store(bits, ordering: .sequentiallyConsistent)
            }
            return
        }
        guard bits != 0 else { return }
        let line = lines + hint[0] &* PerCPUSlotTable.lineBytes
        let words = line.assumingMemoryBound(to: Atomic<UInt>.self)
        for index in 0..<PerCPUSlotTable.slotsPerCPU {
            // ORDERING: relaxed peek; the CAS below decides.
            if words[index].load(ordering: .relaxed) == 0 {
                // ORDERING[HPC-E1]: seq_cst CAS publishes and fences in one (P1: the winner owns it).
                if words[index].compareExchange(expected: 0, desired: bits, ordering: .sequentiallyConsistent).exchanged {
                    locations[slot] = words + index
                    // The countdown to the next hint refresh also counts the fast-path
                    // hits: refreshHint() adds them to the statistic in one bump.
                    hint[1] &-= 1
                    if hint[1] <= 0 { refreshHint() }
                    return
                }
                record.bumpEvent(HazardPointerDomain.Event.casFailures.rawValue)
            }
        }
        publishSlowly(bits, slot: slot)
    }

    /// The hinted line is full: ask for the CPU again and try its line once, else use the
    /// backup slot.
    @usableFromInline
    @inline(never)
    func publishSlowly(_ bits: UInt, slot: Int) {
        let before = hint[0]
        refreshHint()
        if hint[0] != before {
            let words = (lines + hint[0] &* PerCPUSlotTable.lineBytes).assumingMemoryBound(to: Atomic<UInt>.self)
            for index in 0..<PerCPUSlotTable.slotsPerCPU where words[index].load(ordering: .relaxed) == 0 {
                // ORDERING[HPC-E1]: as above.
                if words[index].compareExchange(expected: 0, desired: bits, ordering: .sequentiallyConsistent).exchanged {
                    locations[slot] = words + index
                    record.bumpEvent(HazardPointerDomain.Event.fastPathHits.rawValue)
                    return
                }
                record.bumpEvent(HazardPointerDomain.Event.casFailures.rawValue)
            }
        }
        let backup = record.slots + slot
        // ORDERING[HPC-E1]: Michael's publish: seq_cst store, then the caller's re-load.
        backup.pointee.store(bits, ordering: .sequentiallyConsistent)
        locations[slot] = backup
        record.bumpEvent(HazardPointerDomain.Event.backupUses.rawValue)
    }

    /// Asks for the CPU again; the claims since the last refresh were fast-path hits.
    @usableFromInline
    @inline(never)
    func refreshHint() {
        // As PerCPUHazardState.countFastPathHits, through the unowned reference (passing the
        // record on would retain and release it).
        let claims = PerCPUHazardState.hintRefreshPeriod - hint[1]
        if claims > 0 { record.bumpEvent(HazardPointerDomain.Event.fastPathHits.rawValue, by: UInt64(claims)) }
        hint[0] = Int(max(0, rs_sched_getcpu())) % cpus
        hint[1] = PerCPUHazardState.hintRefreshPeriod
    }

    @inlinable
    public func resetProtection(slot: Int) {
        if let location = locations[slot] {
            // ORDERING[HPC-E2]: release pairs with the scan's acquire loads.
            location.pointee.store(0, ordering: .releasing)
            locations[slot] = nil
        }
    }

    /// Demote: moves every protection held in a per-CPU slot to this participant's backup
    /// slot of the same index (destination first, then the release clear: P2, HPC-E3).
    public func prepareToBlock() {
        var moved = false
        for index in 0..<count {
            guard let location = locations[index], isPerCPU(location) else { continue }
            // ORDERING: relaxed; a slot we own.
            let value = location.pointee.load(ordering: .relaxed)
            let backup = record.slots + index
            // ORDERING[HPC-E3]: relaxed store, ordered before the clear below by its release.
            backup.pointee.store(value, ordering: .relaxed)
            stressPoint(.movedBeforeSourceCleared)
            location.pointee.store(0, ordering: .releasing)
            locations[index] = backup
            moved = true
        }
        if moved { record.bumpEvent(HazardPointerDomain.Event.demotions.rawValue) }
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

    /// Moves protection `slot` into a domain-owned hand-off record (destination first,
    /// then the release clear of the source: P2, HPC-E3).
    public func detach(slot: Int) -> PerCPUHazardHandOff {
        guard let location = locations[slot] else {
            preconditionFailure("hp-percpu: detach(slot: \(slot)) on a slot that protects nothing")
        }
        // ORDERING: relaxed; a slot we own.
        let value = location.pointee.load(ordering: .relaxed)
        let core = record.domain
        if Variant.releasesRememberedSlot {
            // THE PLANTED FAULT: no hand-off record; the protection stays in the slot,
            // which this participant still counts as its own (its guard end clears it),
            // and the token remembers the slot for the releasing thread.
            return PerCPUHazardHandOff(domain: core, holder: nil, rememberedSlot: location, node: TaggedNode(bits: value))
        }
        let holder = core.claimHandOffRecord()
        // ORDERING[HPC-E3]: relaxed store, ordered before the source's release clear.
        holder.slots[0].store(value, ordering: .relaxed)
        stressPoint(.movedBeforeSourceCleared)
        location.pointee.store(0, ordering: .releasing)
        locations[slot] = nil
        record.bumpEvent(HazardPointerDomain.Event.handOffs.rawValue)
        return PerCPUHazardHandOff(domain: core, holder: holder, rememberedSlot: nil, node: TaggedNode(bits: value))
    }
}
