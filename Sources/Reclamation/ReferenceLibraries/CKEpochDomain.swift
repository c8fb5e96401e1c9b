// ck-epoch — Concurrency Kit's epoch reclamation (ck_epoch, S. Al Bahra; Debian libck-dev
// 0.7), behind the Reclaimer protocol as the C reference for `ebr`. The algorithm is ck's:
// ck_epoch_begin/end on the read side (an xchg of the record's `active` word, then the
// global epoch read), ck_epoch_call to defer a node into the record's bucket for the
// current epoch, ck_epoch_poll to dispatch what two epochs have passed over and try one
// advance, ck_epoch_synchronize/barrier to wait. Nothing of it is re-implemented here.
//
// What this file adds, and only that:
//   - a node header (ck's intrusive ck_epoch_entry_t, then the node's deleter: 32 B); the
//     retire list is ck's, so the entry cannot live in separate memory as ebr's bags do.
//   - the poll policy ck leaves to its user: every `bagCapacity` retires (ebr's bag size),
//     at the outermost guard exit — never inside a guard.
//   - record lifetime: ck_epoch_unregister drops a record's pending callbacks, and ck has
//     no call that moves them to another record. So the domain owns every ck record
//     (LibraryRecordPool): a participant uses one; when it flushes or leaves with callbacks
//     still pending, that record becomes an orphan the domain polls (collect(), drain(),
//     any participant's deferred work) and the participant takes an empty one. Flush and
//     leaving never block.
// Edges: ck's own (ck_epoch.c: the record's xchg before the epoch load ↔ the fence in
// ck_epoch_poll/synchronize before the records are scanned). Ours:
//   CKE-E1  a ck record changes hands only under the pool's lock (POOL-E1) or with its
//           participant record (REG-E1), so each ck call on it happens after the previous
//           user's.
//   CKE-E2  statistics: freed = retired − the pending count ck keeps in every record
//           (n_pending, read relaxed: exact once the domain is quiet).
//
// Why reclamation is safe: ck_epoch's argument (a callback in the bucket of epoch e runs
// only once the global epoch is e + 2, which needs every active record to have observed
// e + 1), given that a node is retired only after it was unlinked — which the Reclaimer
// contract requires of every structure. Garbage is unbounded: a stalled reader stops the
// epoch.

import Synchronization

import CReferenceLibraries

/// Concurrency Kit's `ck_epoch` (C), as the reference for `ebr`.
public final class CKEpochDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the ck global is shared only through ck's own atomics;
    // each ck record has one user at a time (CKE-E1).
    public typealias Link = AtomicNodeLink
    public typealias Participant = CKEpochParticipant
    public typealias Guard = ReadSectionGuard<CKEpochDomain>
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .blockingSynchronize, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { Int(RL_CK_EPOCH_HEADER_BYTES) }

    public static let descriptor = SchemeDescriptor(
        id: "ck-epoch", family: .epochs,
        summary: "Concurrency Kit's ck_epoch: begin/end sections, ck_epoch_call, ck_epoch_poll every bag of retires",
        reference: "Al Bahra, Concurrency Kit ck_epoch (C library; the reference for ebr)",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes,
        library: "Concurrency Kit (libck)", knobs: [.bagCapacity]
    )

    enum Event: Int, CaseIterable {
        case polls, orphanedRecords
        var name: String {
            switch self {
            case .polls: "polls"
            case .orphanedRecords: "orphaned_records"
            }
        }
    }

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    /// SAFETY: ck's global epoch object, freed in deinit after every record.
    let global: UnsafeMutableRawPointer
    let registry = ParticipantRegistry()
    let records: LibraryRecordPool

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
        let global = rl_ck_epoch_create()
        self.global = global
        records = LibraryRecordPool(make: { rl_ck_epoch_record_create(global) },
                                    pending: { UInt32(rl_ck_epoch_record_pending($0)) })
    }

    deinit {
        // No participant is left and no section is active: a barrier dispatches everything.
        for record in records.allRecords { rl_ck_epoch_barrier(record) }
        for record in records.allRecords { rl_ck_epoch_record_destroy(record) }
        rl_ck_epoch_destroy(global)
    }

    public func register(slots: Int) -> CKEpochParticipant {
        precondition(slots >= 0, "ck-epoch: register(slots:) needs a non-negative slot count, got \(slots)")
        let record = registry.enroll(CKEpochRecord.self) { CKEpochRecord(domain: self) }
        if record.ck == nil { record.ck = records.take() }
        record.retiresSincePoll = 0
        return CKEpochParticipant(domain: self, record: record)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node - Self.nodeHeaderBytes, bytes: layout.allocationBytes(Self.self))
    }

    /// Polls every orphaned record (non-blocking).
    public func collect() {
        records.collect { _ = rl_ck_epoch_poll($0) }
    }

    /// ck_epoch_synchronize: waits until every section active at the call has ended.
    public func synchronize() {
        ThreadParticipants.trapIfInsideGuard("synchronize()", scheme: Self.descriptor.id)
        rl_ck_epoch_synchronize(global)
    }

    public func barrier() { drain() }

    /// Flushes the caller's participants, then barriers every orphan (ck_epoch_barrier:
    /// synchronize, then dispatch all) until none is left.
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        for record in ThreadParticipants.records(in: ObjectIdentifier(self)) {
            flush(unsafeDowncast(record, to: CKEpochRecord.self))
        }
        var backoff = Backoff()
        while true {
            records.collect { rl_ck_epoch_barrier($0) }
            if records.isSettled { return }
            backoff.wait()  // another collector holds an orphan
        }
    }

    public var statistics: ReclaimerStatistics {
        var statistics = records.statistics(registry, events: Event.allCases.map(\.name))
        statistics.counters.append(SchemeCounter("global_epoch", UInt64(rl_ck_epoch_value(global))))
        return statistics
    }

    /// Unbounded: one stalled section stops the epoch.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    // MARK: slow paths

    /// Deferred work at the outermost guard exit (after ck_epoch_end): a bag's worth of
    /// retires asked for a poll of this record, and of any orphan.
    @usableFromInline
    @inline(never)
    func performDeferredWork(_ record: CKEpochRecord) {
        record.hot.pendingWork = 0
        record.retiresSincePoll = 0
        _ = rl_ck_epoch_poll(record.currentRecord)
        record.bumpEvent(Event.polls.rawValue)
        if records.mayHoldOrphans { collect() }
        records.notePending()
    }

    /// Owner, outside every guard, non-blocking: polls; callbacks still pending go to the
    /// domain with the record, and the participant continues on an empty one.
    func flush(_ record: CKEpochRecord) {
        _ = rl_ck_epoch_poll(record.currentRecord)
        record.bumpEvent(Event.polls.rawValue)
        record.retiresSincePoll = 0
        records.notePending()
        // Inside a guard the record is in a ck section: it stays (a flush there only polls).
        if record.handOverIfHolding(to: records, pending: { UInt32(rl_ck_epoch_record_pending($0)) }) {
            record.bumpEvent(Event.orphanedRecords.rawValue)
        }
    }

    func unregister(_ record: CKEpochRecord) {
        precondition(!record.isInsideGuard(), "ck-epoch: a participant left inside its own guard")
        flush(record)
        registry.leave(record)
    }
}

/// A thread's ck-epoch state: the ck record it uses now and the poll countdown.
@usableFromInline
final class CKEpochRecord: LibraryParticipantRecord, @unchecked Sendable {
    // SAFETY: as LibraryParticipantRecord; the poll countdown is owner-only.
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: CKEpochDomain
    /// Owner-only.
    var retiresSincePoll = 0

    init(domain: CKEpochDomain) {
        self.domain = domain
        super.init(domain: domain, schemeID: CKEpochDomain.descriptor.id, allocator: domain.allocator,
                   eventCount: CKEpochDomain.Event.allCases.count)
    }

    /// ck's own nesting count of the current record's sections.
    override func isInsideGuard() -> Bool { ck.map { rl_ck_epoch_record_active($0) > 0 } ?? false }

    /// Owner-only: ck_epoch_call, inside the guard; every `bagCapacity` retires the guard's
    /// end polls.
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        rl_ck_epoch_retire(currentRecord, entry.node, entry.function, entry.libraryArgument(allocatorBit))
        retiresSincePoll += 1
        if retiresSincePoll >= domain.configuration.bagCapacity { hot.pendingWork = 1 }
    }
}

/// A thread registered with a ck-epoch domain.
public struct CKEpochParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = CKEpochDomain
    @usableFromInline let domain: CKEpochDomain
    @usableFromInline let record: CKEpochRecord
    @usableFromInline let hot: HotHeader
    @usableFromInline let currentRecord: UnsafeMutablePointer<UnsafeMutableRawPointer?>

    init(domain: CKEpochDomain, record: CKEpochRecord) {
        self.domain = domain
        self.record = record
        hot = record.hot
        currentRecord = record.currentRecordSlot
    }

    /// Every guard is a ck section (ck_epoch_begin / ck_epoch_end): ck keeps the nesting in
    /// the record's `active` word, so the guard keeps no depth of its own (the record's
    /// `isInsideGuard` reads ck's); a poll a retire asked for runs after the outermost ends.
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReadSectionGuard<CKEpochDomain>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        // The record cannot change inside a guard (only flush and leaving swap it, outside).
        let ck = currentRecord.pointee.unsafelyUnwrapped
        rl_ck_epoch_begin(ck)
        defer {
            if rl_ck_epoch_end(ck) && hot.pendingWork != 0 { domain.performDeferredWork(record) }
        }
        return try body(ReadSectionGuard(record: record))
    }

    /// Polls; what is still pending goes to the domain with the ck record (never blocks).
    public func flush() { domain.flush(record) }

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}
