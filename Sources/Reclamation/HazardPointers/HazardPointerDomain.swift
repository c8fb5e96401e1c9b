// hp — hazard pointers. M. M. Michael, "Hazard pointers: safe memory reclamation for
// lock-free objects", IEEE TPDS 15(6), 2004. Hand-off records and the scan order follow
// the lesson of the 2026 Linux hazptr series (shared/references): a protection may move
// only into storage that the scanner reads *after* the storage it left.
//
// Shared state:
//   - registry: per-thread records, each with K slots (one word each) in its hot block;
//     pushed once, never unlinked, reused after their owner leaves.
//   - hand-off records: domain-owned single slots holding detached protections.
//   - garbage: batches handed over by threads that flushed or left.
//   Per thread (owner-only): the retire list, the scan trigger, a snapshot buffer.
//
// Invariants:
//   I1. A slot holds the address of a node its owner read from a link *and re-read
//       unchanged after publishing* (whole tagged word, mark bit included), or 0.
//   I2. A node is freed only by a scan that found its address in no slot and no hand-off
//       record, and the scan reads slots only after the node was unlinked (it was retired).
//   I3. A protection moves only thread slot → hand-off record, and the record is written
//       before the thread slot is cleared; scans read every thread slot before any
//       hand-off record. So a scan that misses the protection in its old place finds it in
//       the new one, and synchronize(), which waits for slots to change, must look for a
//       changed thread slot's address in the hand-off records once more (see there).
//   I4. A thread's retire list holds fewer than max(threshold, 2H) + H + (nodes retired
//       inside one guard) nodes (H = slots registered): at its outermost guard exit it
//       scans once the list reaches max(threshold, 2H), and at most H survive a scan.
//
// Edges (one tag at both ends):
//   HP-E1  protect's seq_cst slot store and seq_cst re-load ↔ the seq_cst fence in scan():
//          in the single total order either the scan's slot loads follow the slot store
//          (the scan sees the protection) or the re-load follows the fence and therefore
//          sees the unlink, which preceded the retire (the reader retries).
//          A domain built with `fenceKind == .asymmetric` (the core of hp-asym) issues
//          membarrier(PRIVATE_EXPEDITED) in place of that fence (`protectionFence()`);
//          its readers' side is HPA-E1 in AsymmetricHazardPointerDomain.
//   HP-E2  a slot cleared with release ↔ scan's acquire slot load: the reader's accesses
//          to the node happen before the free.
//   HP-E3  detach: hand-off store, then release clear of the thread slot ↔ scan's acquire
//          load of the thread slot, then of the hand-off records (I3).
//   REG-E1/E2, STACK-E1, GARBAGE-E1: see ParticipantRegistry and GarbageBatch.
//
// Why reclamation is safe: by I1 and HP-E1 a reader dereferences a node only if its
// protection was visible to every scan that started after the node's unlink; by I2 no
// such scan frees it while the slot (or, by I3, its hand-off record) holds it; by HP-E2
// the free happens after the reader is done.

import Synchronization

import CReclaimSupport

/// Michael's hazard pointers: per-thread slots, per-thread retire lists scanned against a
/// sorted snapshot of every slot.
public final class HazardPointerDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): shared state is the registries and garbage stack
    // (lock-free) and atomics; the rest is immutable after init.
    public typealias Link = AtomicNodeLink
    public typealias Participant = HazardPointerParticipant
    public typealias Guard = HazardPointerGuard
    public typealias HandOff = HazardHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .boundedGarbage, .crossThreadRelease, .blockingSynchronize] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }

    public static let descriptor = SchemeDescriptor(
        id: "hp", family: .hazardPointers,
        summary: "per-thread slots, publish + fence + re-validate; retire lists scanned against a sorted snapshot",
        reference: "Michael 2004, IEEE TPDS 15(6)",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, knobs: [.retireScanThreshold]
    )

    /// Faults planted on purpose, so that tests can show a check fails. Off in every real run.
    @_spi(Planted)
    public enum PlantedFault: Sendable {
        case none
        /// scan() ignores every slot: frees protected nodes.
        case scanIgnoresSlots
        /// retire() never asks for a scan (only flush and leaving do): garbage grows
        /// without the bound the scheme claims.
        case retireNeverScans
        /// detach() clears the slot without moving the protection to a hand-off record.
        case detachDropsProtection
        /// synchronize() waits for busy slots to change and does not look for protections
        /// that moved into hand-off records meanwhile (this scheme's first version).
        case synchronizeMissesMoves
    }

    /// Event counters kept per thread.
    /// The last four are hp-percpu's (its core's records count them); hp reports the first
    /// four only.
    @usableFromInline
    enum Event: Int, CaseIterable {
        case scans, timeTriggeredScans, orphanAdoptions, handOffs
        case fastPathHits, backupUses, casFailures, demotions
        var name: String {
            switch self {
            case .scans: "scans"
            case .timeTriggeredScans: "time_triggered_scans"
            case .orphanAdoptions: "orphan_adoptions"
            case .handOffs: "hand_offs"
            case .fastPathHits: "fast_path_hits"
            case .backupUses: "backup_uses"
            case .casFailures: "cas_failures"
            case .demotions: "demotions"
            }
        }
    }

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    let registry = ParticipantRegistry()
    let handOffRecords = ParticipantRegistry()
    let garbage = DomainGarbage()
    /// H: slots in all published records (hand-off records excluded; they are few).
    let registeredSlots = Atomic<Int>(0)
    let scanPeriodNanoseconds: UInt64
    let plantedFault: PlantedFault

    /// Which full fence the scanner issues before it reads the slots (HP-E1).
    enum FenceKind: Sendable {
        /// A seq_cst fence here; readers publish with seq_cst (hp).
        case symmetric
        /// membarrier(PRIVATE_EXPEDITED); readers publish behind a compiler barrier only
        /// (hp-asym, whose domain has registered membarrier before building this one).
        case asymmetric
    }

    let fenceKind: FenceKind
    /// hp-percpu's per-CPU slots, scanned before every thread's slots (P2); nil for hp.
    let perCPU: PerCPUSlotTable?

    public convenience init(configuration: ReclaimerConfiguration) {
        self.init(configuration: configuration, plantedFault: .none)
    }

    @_spi(Planted)
    public convenience init(configuration: ReclaimerConfiguration, plantedFault: PlantedFault) {
        self.init(configuration: configuration, plantedFault: plantedFault, fenceKind: .symmetric)
    }

    /// `.asymmetric` only for the core of an `AsymmetricHazardPointerDomain`, after it
    /// registered membarrier(PRIVATE_EXPEDITED).
    /// The core of an hp-percpu domain: `perCPU`'s slots are scanned first.
    init(configuration: ReclaimerConfiguration, perCPU: PerCPUSlotTable) {
        self.configuration = configuration
        self.allocator = NodeAllocator(configuration.allocator)
        let period = configuration.scanPeriod.components
        self.scanPeriodNanoseconds = UInt64(period.seconds) * 1_000_000_000 + UInt64(period.attoseconds / 1_000_000_000)
        self.plantedFault = .none
        self.fenceKind = .symmetric
        self.perCPU = perCPU
    }

    init(configuration: ReclaimerConfiguration, plantedFault: PlantedFault, fenceKind: FenceKind) {
        self.configuration = configuration
        self.allocator = NodeAllocator(configuration.allocator)
        let period = configuration.scanPeriod.components
        self.scanPeriodNanoseconds = plantedFault == .retireNeverScans ? .max
            : UInt64(period.seconds) * 1_000_000_000 + UInt64(period.attoseconds / 1_000_000_000)
        self.plantedFault = plantedFault
        self.fenceKind = fenceKind
        self.perCPU = nil
    }

    deinit {
        // Participants and hand-off tokens hold references to the domain: none is left.
        registry.forEach { record in
            let record = unsafeDowncast(record, to: HazardRecord.self)
            if let batch = record.retired { garbage.give(batch); record.retired = nil }
        }
        garbage.freeEverything(headerBytes: 0, allocator: allocator)
    }

    public func register(slots: Int) -> HazardPointerParticipant {
        precondition((1...HazardRecord.maximumSlots).contains(slots),
                     "hp: register(slots:) takes 1...\(HazardRecord.maximumSlots) slots, got \(slots)")
        return HazardPointerParticipant(domain: self, record: enrollRecord(slots: slots))
    }

    /// Claims a free record with at least `slots` slots or publishes a new one, on the
    /// calling thread's chain, with its scan trigger set. hp-asym's register uses it too.
    func enrollRecord(slots: Int) -> HazardRecord {
        let record = registry.enroll(HazardRecord.self, where: { $0.slotCapacity >= slots }) {
            registeredSlots.add(slots, ordering: .relaxed)  // ORDERING: a sizing hint for thresholds
            return HazardRecord(domain: self, slots: slots)
        }
        record.scanTrigger = scanTrigger()
        record.lastScanNanoseconds = monotonicNanoseconds()
        return record
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node, bytes: layout.allocationBytes(Self.self))
    }

    /// Frees, against a fresh snapshot of the slots, what the domain holds.
    public func collect() {
        guard !garbage.stack.isEmpty else { return }
        let protections = snapshotProtections()
        _ = garbage.process { batch in
            batch.reclaim(headerBytes: 0, allocator: allocator) { protections.contains($0) }
        }
        notePending()
    }

    /// Waits until every protection that existed when called has ended. New protections
    /// cannot reach a node unlinked before the call (HP-E1).
    ///
    /// A changed slot does not mean its protection ended: it may have moved to storage the
    /// scan reads later — a thread slot's to a hand-off record (`detach`, I3), and for
    /// hp-percpu a per-CPU slot's to a backup slot (demote) or a hand-off record, and a
    /// backup slot's to a hand-off record (P2). So after every busy slot has changed, the
    /// later storage is read again for the addresses seen in earlier storage, and waited
    /// for; twice, since a protection moves at most twice (per-CPU → backup → hand-off).
    /// Each move writes its destination before the release that clears the source, so the
    /// acquire load that saw the source change makes the destination visible to the next
    /// pass. (Waiting on a newer protection of the same address only makes the wait
    /// longer.) The first version waited on slot changes alone; the torture test's
    /// deferred hand-offs caught it freeing a handed-off node within half a second.
    ///
    /// A reader that keeps re-protecting a node still linked (the same address, over and
    /// over) can hold this up for as long as it does so: use `synchronize(waitingFor:)`
    /// for a node you unlinked.
    public func synchronize() {
        ThreadParticipants.trapIfInsideGuard("synchronize()", scheme: Self.descriptor.id)
        protectionFence()  // ORDERING[HP-E1][HPA-E1]
        var busy: [(UnsafeMutablePointer<Atomic<UInt>>, UInt)] = []
        var perCPUValues = Set<UInt>(), earlierValues = Set<UInt>()
        forEachSlot { slot, value, kind in
            busy.append((slot, value))
            if kind == .perCPU { perCPUValues.insert(value) }
            if kind != .handOff { earlierValues.insert(value) }
        }
        waitForChange(busy)
        guard !earlierValues.isEmpty, plantedFault != .synchronizeMissesMoves else { return }
        for _ in 0..<2 {
            var moved: [(UnsafeMutablePointer<Atomic<UInt>>, UInt)] = []
            // ORDERING[HP-E3][HPC-E3]: acquire loads after the acquire loads that saw the
            // sources change.
            if !perCPUValues.isEmpty {
                forEachRecordSlot(in: registry) { slot, value in
                    if perCPUValues.contains(value) { moved.append((slot, value)) }
                }
            }
            forEachRecordSlot(in: handOffRecords) { slot, value in
                if earlierValues.contains(value) { moved.append((slot, value)) }
            }
            if moved.isEmpty { return }
            waitForChange(moved)
        }
    }

    /// Waits until no slot and no hand-off record holds `node`. Each pass reads storage in
    /// scan order (per-CPU slots, thread slots, hand-off records: I3, P2), so a protection
    /// that moves during a pass is seen in one place or the other; the node is unlinked,
    /// so no new protection of it survives validation (HP-E1), and only a transient one can
    /// appear.
    public func synchronize(waitingFor node: UnsafeMutableRawPointer) {
        ThreadParticipants.trapIfInsideGuard("synchronize(waitingFor:)", scheme: Self.descriptor.id)
        let target = UInt(bitPattern: node)
        var backoff = Backoff()
        while true {
            protectionFence()  // ORDERING[HP-E1][HPA-E1]
            var held = false
            forEachSlot { _, value, _ in if value == target { held = true } }
            if !held { return }
            backoff.wait()
        }
    }

    /// Spins (with backoff) until each listed slot no longer holds the listed value.
    func waitForChange(_ slots: [(UnsafeMutablePointer<Atomic<UInt>>, UInt)]) {
        for (slot, value) in slots {
            var backoff = Backoff()
            // ORDERING[HP-E2]: acquire pairs with the release that cleared the slot.
            while slot.pointee.load(ordering: .acquiring) == value { backoff.wait() }
        }
    }

    public func barrier() { drain() }

    /// Flushes the caller's participants, then frees the domain's garbage, waiting for
    /// protections to end.
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        for record in ThreadParticipants.records(in: ObjectIdentifier(self)) {
            flush(unsafeDowncast(record, to: HazardRecord.self))
        }
        garbage.drain { collect() }
    }

    public func release(_ handOff: consuming HazardHandOff) {
        release(holder: handOff.holder)
    }

    /// Ends the protection a hand-off record holds and frees the record for reuse.
    func release(holder: HazardRecord) {
        precondition(holder.domainIdentity == ObjectIdentifier(self), "hp: a hand-off released on another domain")
        // ORDERING[HP-E2]: release; the receiver's accesses happen before a later free.
        holder.slots[0].store(0, ordering: .releasing)
        handOffRecords.retire(holder)
    }

    public var statistics: ReclaimerStatistics {
        registry.statistics(
            freedOutside: garbage.freedOutsideParticipants.load(ordering: .acquiring),
            peakPending: garbage.peakPending.load(ordering: .relaxed),
            events: Event.allCases.prefix(perCPU == nil ? 4 : Event.allCases.count).map(\.name))
    }

    /// Σ over records (max(threshold, 2H) + H + retiresPerGuard) + H (I4; the last H for
    /// what the domain holds after a collect).
    public func garbageBound(retiresPerGuard: Int) -> Int? {
        let slots = registeredSlots.load(ordering: .relaxed)
        let trigger = max(configuration.retireScanThreshold, 2 * slots)
        let perThread = trigger + slots + retiresPerGuard
        return registry.recordCount * perThread + slots
    }

    // MARK: slow paths

    /// max(threshold, 2H): Michael's R ≥ H(1 + Ω(1)).
    func scanTrigger() -> Int {
        if plantedFault == .retireNeverScans { return .max }
        return max(configuration.retireScanThreshold, 2 * registeredSlots.load(ordering: .relaxed))
    }

    /// The scanner's side of HP-E1, issued before any slot is read: a seq_cst fence, or for
    /// hp-asym membarrier(PRIVATE_EXPEDITED), a full barrier on every CPU running one of
    /// this process's threads (HPA-E1).
    func protectionFence() {
        switch fenceKind {
        case .symmetric:
            fullFence()  // ORDERING[HP-E1]
        case .asymmetric:
            let result = membarrierAllCPUs()  // ORDERING[HPA-E1]
            precondition(result == 0, "hp-asym: membarrier(PRIVATE_EXPEDITED) failed (\(result)) after registration")
        }
        stressPoint(.fencedBeforeLoads)
    }

    /// Where a slot lives, in scan order.
    enum SlotKind { case perCPU, thread, handOff }

    /// Visits every non-empty slot in scan order: hp-percpu's per-CPU slots, then every
    /// thread's slots (hp-percpu: backup slots), then hand-off records (I3, P2). The
    /// caller issues the HP-E1 fence first.
    func forEachSlot(_ body: (UnsafeMutablePointer<Atomic<UInt>>, UInt, SlotKind) -> Void) {
        if let perCPU {
            for index in 0..<perCPU.slotCount {
                let slot = perCPU.slot(index)
                // ORDERING[HPC-E2][HPC-E3]: acquire pairs with the release that cleared it.
                let value = slot.pointee.load(ordering: .acquiring)
                if value != 0 { body(slot, value, .perCPU) }
            }
        }
        forEachRecordSlot(in: registry) { body($0, $1, .thread) }
        forEachRecordSlot(in: handOffRecords) { body($0, $1, .handOff) }  // after every thread slot (I3)
    }

    func forEachRecordSlot(in records: ParticipantRegistry, _ body: (UnsafeMutablePointer<Atomic<UInt>>, UInt) -> Void) {
        records.forEach { record in
            let record = unsafeDowncast(record, to: HazardRecord.self)
            for index in 0..<record.slotCapacity {
                let slot = record.slots + index
                // ORDERING[HP-E2][HP-E3]: acquire pairs with the release that cleared it.
                let value = slot.pointee.load(ordering: .acquiring)
                if value != 0 { body(slot, value) }
            }
        }
    }

    /// Sorted addresses of every protected node.
    func snapshotProtections() -> ProtectionSnapshot {
        // ORDERING[HP-E1][HPA-E1]: pairs with protect's slot store and re-load (seq_cst, or
        // behind a compiler barrier for hp-asym); every retired node was unlinked before
        // this fence.
        protectionFence()
        var addresses: [UInt] = []
        addresses.reserveCapacity(registeredSlots.load(ordering: .relaxed) + 8)
        if plantedFault != .scanIgnoresSlots {
            forEachSlot { _, value, _ in addresses.append(value) }
        }
        return ProtectionSnapshot(sorting: addresses)
    }

    /// A thread's scan: adopt orphans, snapshot the slots, free what no slot holds.
    @usableFromInline
    @inline(never)
    func scan(_ record: HazardRecord) {
        if let orphans = garbage.stack.popAll() {
            var batch = orphans
            while true {
                let next = batch.next
                record.adopt(batch)
                guard let next else { break }
                batch = next
            }
            record.bumpEvent(Event.orphanAdoptions.rawValue)
        }
        let now = monotonicNanoseconds()
        if let retired = record.retired, retired.count > 0 {
            if retired.count < record.scanTrigger { record.bumpEvent(Event.timeTriggeredScans.rawValue) }
            notePending()
            let protections = snapshotProtections()
            let freed = retired.reclaim(headerBytes: 0, allocator: allocator) { protections.contains($0) }
            record.bump(record.freedCount, by: UInt64(freed))
            record.bumpEvent(Event.scans.rawValue)
        }
        record.scanTrigger = scanTrigger()
        record.lastScanNanoseconds = now
        record.hot.pendingWork = 0
    }

    /// Deferred work at the outermost guard exit: the scan a retire asked for.
    @usableFromInline
    @inline(never)
    func performDeferredWork(_ record: HazardRecord) {
        scan(record)
    }

    func flush(_ record: HazardRecord) {
        scan(record)
        if let batch = record.retired, batch.count > 0 {
            record.retired = nil
            garbage.give(batch)
        }
    }

    func unregister(_ record: HazardRecord) {
        precondition(record.hot.guardDepth == 0, "hp: a participant left inside its own guard")
        flush(record)
        registry.leave(record)
    }

    func notePending() { garbage.notePending(in: registry) }

    /// A free hand-off record, claimed or newly published.
    func claimHandOffRecord() -> HazardRecord {
        handOffRecords.claim(HazardRecord.self, where: { _ in true }) ?? {
            let record = HazardRecord(domain: self, slots: 1, handOff: true)
            handOffRecords.publish(record)
            return record
        }()
    }
}

/// The sorted addresses a scan must not free.
struct ProtectionSnapshot {
    let sorted: [UInt]

    init(sorting addresses: [UInt]) { sorted = addresses.sorted() }

    func contains(_ node: UnsafeMutableRawPointer) -> Bool {
        let target = UInt(bitPattern: node)
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == target
    }
}
