// ck-hp — Concurrency Kit's hazard pointers (ck_hp, S. Al Bahra, after M. M. Michael,
// IEEE TPDS 15(6), 2004; Debian libck-dev 0.7), behind the Reclaimer protocol as the C
// reference for `hp`. The algorithm is ck's: ck_hp_set_fence publishes (an xchg on x86),
// ck_hp_retire pushes the node on the record's pending stack, ck_hp_reclaim gathers every
// record's hazard pointers into a sorted cache (qsort, then bsearch per pending node) and
// frees what none holds, once the record has ck's threshold of pending nodes.
//
// What this file adds, and only that:
//   - protect: read the link, ck_hp_set_fence, re-read the link and compare the whole
//     tagged word (Michael's validate; ck leaves it to its user). Guard end clears the
//     registered slots (ck_hp_set NULL), as ck_hp_clear would all of them.
//   - reclaim at ck's threshold (`rl_ck_hp_reclaim_due`: n_pending ≥ the ck_hp_t's
//     threshold, set from `retireScanThreshold`) at the outermost guard exit, not inside
//     the guard as ck_hp_free would: a scan never runs inside a guard here. A full fence
//     precedes each reclaim (CKHP-E1).
//   - a node header: ck's ck_hp_hazard_t (the pending-stack link), the deleter, padding to
//     16 bytes: 48 B. Records: 4 hazard pointers each (ck's degree is one per ck_hp_t).
//   - record lifetime as in ck-epoch (LibraryRecordPool): ck_hp_unregister would drop a
//     record's pending nodes and ck cannot move them, so a participant that flushes or
//     leaves with nodes still pending hands its record to the domain as an orphan, and
//     continues on an empty one. Flush and leaving never block.
//   No synchronize() (ck_hp has none) and no hand-off: the capabilities say so.
//
// Edges:
//   CKHP-E1  reader: ck_hp_set_fence's xchg (a full fence), then the re-load ↔ reclaimer:
//            the unlink, then the fence in rl_ck_hp_reclaim, then the hazard loads. Either
//            the scan sees the hazard pointer or the re-load sees the unlink and retries.
//   CKHP-E2  guard end: the clear is a store behind a compiler barrier after the reader's
//            loads of the node (x86 does not reorder a store before earlier loads) ↔ the
//            scan's load of the slot; then the free.
//   CKHP-E3  a ck record changes hands only under the pool's lock (POOL-E1) or with its
//            participant record (REG-E1). Statistics: freed = retired − ck's n_pending.
//
// Why reclamation is safe: Michael's argument with CKHP-E1/E2. Garbage is bounded: after
// a reclaim a record keeps only nodes some hazard pointer holds.

import Synchronization

import CReferenceLibraries

/// Concurrency Kit's `ck_hp` (C), as the reference for `hp`.
public final class CKHazardPointerDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the ck global and the hazard arrays are shared through
    // ck's atomics; each ck record's pending list has one user at a time (CKHP-E3).
    public typealias Link = AtomicNodeLink
    public typealias Participant = CKHazardPointerParticipant
    public typealias Guard = CKHazardPointerGuard
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .boundedGarbage] }
    @inlinable
    public static var nodeHeaderBytes: Int { Int(RL_CK_HP_HEADER_BYTES) }

    public static let descriptor = SchemeDescriptor(
        id: "ck-hp", family: .hazardPointers,
        summary: "Concurrency Kit's ck_hp: set + fence + validate, ck_hp_retire, ck_hp_reclaim at ck's threshold",
        reference: "Al Bahra, Concurrency Kit ck_hp (C library; the reference for hp); Michael 2004",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes,
        library: "Concurrency Kit (libck)", knobs: [.retireScanThreshold]
    )

    /// ck's degree: hazard pointers per record (a list traversal needs 3).
    public static let hazardPointersPerRecord = 4

    enum Event: Int, CaseIterable {
        case reclaims, orphanedRecords
        var name: String {
            switch self {
            case .reclaims: "reclaims"
            case .orphanedRecords: "orphaned_records"
            }
        }
    }

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    /// SAFETY: ck's ck_hp_t, freed in deinit after every record.
    let global: UnsafeMutableRawPointer
    let registry = ParticipantRegistry()
    let records: LibraryRecordPool

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
        let global = rl_ck_hp_create(UInt32(Self.hazardPointersPerRecord), UInt32(clamping: configuration.retireScanThreshold))
        self.global = global
        records = LibraryRecordPool(make: { rl_ck_hp_record_create(global) }, pending: { UInt32(rl_ck_hp_record_pending($0)) })
    }

    deinit {
        // No participant is left, so no hazard pointer is set: one reclaim per record
        // frees everything.
        for record in records.allRecords { rl_ck_hp_reclaim(record) }
        for record in records.allRecords { rl_ck_hp_record_destroy(record) }
        rl_ck_hp_destroy(global)
    }

    public func register(slots: Int) -> CKHazardPointerParticipant {
        precondition((1...Self.hazardPointersPerRecord).contains(slots),
                     "ck-hp: register(slots:) takes 1...\(Self.hazardPointersPerRecord) slots (ck's degree), got \(slots)")
        let record = registry.enroll(CKHazardPointerRecord.self) { CKHazardPointerRecord(domain: self) }
        if record.ck == nil { record.ck = records.take() }
        return CKHazardPointerParticipant(domain: self, record: record, slots: slots)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node - Self.nodeHeaderBytes, bytes: layout.allocationBytes(Self.self))
    }

    /// Reclaims once in every orphaned record (non-blocking).
    public func collect() {
        records.collect { rl_ck_hp_reclaim($0) }
    }

    public func synchronize() {
        fatalError("ck-hp.synchronize(): ck_hp has no synchronize (no .blockingSynchronize); retire instead")
    }

    public func barrier() { drain() }

    /// Flushes the caller's participants, then reclaims the orphans until none is left
    /// (waiting for other threads' protections to end).
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        for record in ThreadParticipants.records(in: ObjectIdentifier(self)) {
            flush(unsafeDowncast(record, to: CKHazardPointerRecord.self))
        }
        var backoff = Backoff()
        while true {
            collect()
            if records.isSettled { return }
            backoff.wait()
        }
    }

    public var statistics: ReclaimerStatistics { records.statistics(registry, events: Event.allCases.map(\.name)) }

    /// Per ck record: fewer than max(threshold, hazard pointers in all records) +
    /// `retiresPerGuard` nodes (the guard's end reclaims once the record holds the
    /// threshold, and a reclaim keeps only what some hazard pointer holds).
    public func garbageBound(retiresPerGuard: Int) -> Int? {
        let records = self.records.recordCount
        let hazards = records * Self.hazardPointersPerRecord
        return records * (max(configuration.retireScanThreshold, hazards) + retiresPerGuard)
    }

    // MARK: slow paths

    /// Deferred work at the outermost guard exit, after the slots were cleared: ck's
    /// threshold was reached.
    @usableFromInline
    @inline(never)
    func performDeferredWork(_ record: CKHazardPointerRecord) {
        record.hot.pendingWork = 0
        records.notePending()
        rl_ck_hp_reclaim(record.currentRecord)
        record.bumpEvent(Event.reclaims.rawValue)
        if records.mayHoldOrphans { collect() }
    }

    /// Owner, non-blocking: reclaims once; nodes still protected go to the domain with the
    /// record, and the participant continues on an empty one.
    func flush(_ record: CKHazardPointerRecord) {
        records.notePending()
        rl_ck_hp_reclaim(record.currentRecord)
        record.bumpEvent(Event.reclaims.rawValue)
        // Inside a guard the record's hazard pointers are in use: it stays.
        if record.handOverIfHolding(to: records, pending: { UInt32(rl_ck_hp_record_pending($0)) }) {
            record.bumpEvent(Event.orphanedRecords.rawValue)
        }
    }

    func unregister(_ record: CKHazardPointerRecord) {
        precondition(record.hot.guardDepth == 0, "ck-hp: a participant left inside its own guard")
        flush(record)
        registry.leave(record)
    }
}

/// A thread's ck-hp state: the ck record it uses now (hazard pointers and pending stack).
@usableFromInline
final class CKHazardPointerRecord: LibraryParticipantRecord, @unchecked Sendable {
    // SAFETY: as LibraryParticipantRecord; the ck record's pending stack is the owner's only
    // (CKHP-E3); its hazard pointers are read by every reclaimer through ck.
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: CKHazardPointerDomain

    init(domain: CKHazardPointerDomain) {
        self.domain = domain
        super.init(domain: domain, schemeID: CKHazardPointerDomain.descriptor.id, allocator: domain.allocator,
                   eventCount: CKHazardPointerDomain.Event.allCases.count)
    }

    /// Owner-only: ck_hp_retire; at ck's threshold the guard's end reclaims.
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        let ck = currentRecord
        rl_ck_hp_retire(ck, entry.node, entry.function, entry.libraryArgument(allocatorBit))
        if rl_ck_hp_reclaim_due(ck) { hot.pendingWork = 1 }
    }
}

/// A thread registered with a ck-hp domain.
public struct CKHazardPointerParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = CKHazardPointerDomain
    // Four stored words, so that the struct travels in registers (see QuiescentStateParticipant).
    @usableFromInline var domain: CKHazardPointerDomain { record.domain }
    @usableFromInline let record: CKHazardPointerRecord
    @usableFromInline let hot: HotHeader
    @usableFromInline let currentRecord: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    @usableFromInline let slotCount: Int

    init(domain: CKHazardPointerDomain, record: CKHazardPointerRecord, slots: Int) {
        self.record = record
        hot = record.hot
        currentRecord = record.currentRecordSlot
        slotCount = slots
    }

    /// No section of its own: the guard's end clears the slots that hold something, then
    /// runs a reclaim a retire asked for.
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing CKHazardPointerGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        // The record cannot change inside a guard (only flush and leaving swap it, outside).
        let ck = currentRecord.pointee.unsafelyUnwrapped
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 { endOutermostGuard(ck) }
        }
        return try body(CKHazardPointerGuard(record: record, ck: ck, slotCount: slotCount))
    }

    /// Clears every registered slot, as ck_hp_clear does (a store each, no look first:
    /// cheaper than reading the slot for the one or three slots a structure registers).
    @inlinable
    func endOutermostGuard(_ ck: UnsafeMutableRawPointer) {
        for index in 0..<slotCount {
            rl_ck_hp_clear(ck, UInt32(truncatingIfNeeded: index))  // ORDERING[CKHP-E2]
        }
        if hot.pendingWork != 0 { domain.performDeferredWork(record) }
    }

    /// Reclaims; nodes still protected go to the domain with the ck record (never blocks).
    public func flush() { domain.flush(record) }

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}
/// A ck-hp guard: protect is ck_hp_set_fence plus Michael's re-validation.
@frozen
public struct CKHazardPointerGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = CKHazardPointerDomain
    @usableFromInline unowned(unsafe) let record: CKHazardPointerRecord
    @usableFromInline let ck: UnsafeMutableRawPointer
    @usableFromInline let slotCount: Int

    @inlinable
    init(record: CKHazardPointerRecord, ck: UnsafeMutableRawPointer, slotCount: Int) {
        self.record = record
        self.ck = ck
        self.slotCount = slotCount
    }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        assert(slot >= 0 && slot < slotCount, "ck-hp: slot \(slot) outside the registered slots")
        // ORDERING: relaxed; the value is only published and then re-validated.
        var observed = link.pointee.load(.relaxed)
        while true {
            rl_ck_hp_set_fence(ck, UInt32(truncatingIfNeeded: slot), observed.node)  // ORDERING[CKHP-E1]
            stressPoint(.publishedBeforeRevalidation)
            // ORDERING[CKHP-E1]: acquire re-load after the xchg; the whole word (a mark set
            // meanwhile is a change).
            let current = link.pointee.load(.acquiring)
            if current == observed { return current }
            observed = current
        }
    }

    @inlinable
    public func resetProtection(slot: Int) {
        rl_ck_hp_clear(ck, UInt32(truncatingIfNeeded: slot))  // ORDERING[CKHP-E2]
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
}
