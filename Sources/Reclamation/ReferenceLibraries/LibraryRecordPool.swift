internal import ReclaimBenchSupport
import Synchronization

/// The C records (ck_epoch_record_t, ck_hp_record_t) of one domain, and who holds them.
///
/// ck keeps a thread's deferred nodes in its record and has no call that moves them to
/// another record, and ck_*_unregister drops them. So the domain owns every record: a
/// participant *uses* one (its current record, in its hot block); when the participant
/// flushes or leaves with nodes still pending, that record becomes an **orphan** here and
/// the participant takes a **spare** (or a new one). Orphans are polled by whoever collects
/// (the domain's collect(), drain(), and any participant's deferred work) — one collector
/// per orphan at a time, since ck's reclamation is owner-only — and become spares once
/// empty. Records are registered with ck once and freed only with the domain.
///
/// Edges:
///   POOL-E1  a record changes hands only under `state`'s mutex, so a collector's ck calls
///            happen after the previous user's and before the next one's.
///   POOL-E2  statistics read ck's pending counts relaxed (plain fields its owner writes):
///            a moment old while the domain runs, exact once it is quiet.
final class LibraryRecordPool: @unchecked Sendable {
    // SAFETY: every field of `State` is touched under its lock; `orphanCount` is an atomic
    // hint (relaxed), never trusted for ownership.
    struct State {
        /// Every record ever made (statistics, deinit).
        var all: [UnsafeMutableRawPointer] = []
        var orphans: [UnsafeMutableRawPointer] = []
        var spares: [UnsafeMutableRawPointer] = []
        /// Orphans taken out by collectors that have not put them back yet.
        var inFlight = 0
    }

    let state = Locked<State>(State())
    /// Largest `pendingNodes` seen at a reclamation attempt.
    let peakPending = Atomic<UInt64>(0)
    /// Orphans in `state` (a hint for the fast "anything to collect?" test).
    private let orphanCount = Atomic<Int>(0)
    private let make: () -> UnsafeMutableRawPointer
    private let pending: (UnsafeMutableRawPointer) -> UInt32

    init(make: @escaping () -> UnsafeMutableRawPointer, pending: @escaping (UnsafeMutableRawPointer) -> UInt32) {
        self.make = make
        self.pending = pending
    }

    /// A record with nothing pending for a participant to use: a spare, or a new one.
    func take() -> UnsafeMutableRawPointer {
        if let spare = state.withLock({ $0.spares.popLast() }) { return spare }
        let fresh = make()
        state.withLock { $0.all.append(fresh) }
        return fresh
    }

    /// Takes back a record its user is done with: an orphan if it still holds nodes.
    func give(_ record: UnsafeMutableRawPointer) {
        let holds = pending(record) > 0
        state.withLock { state in
            if holds { state.orphans.append(record) } else { state.spares.append(record) }
        }
        if holds { orphanCount.add(1, ordering: .relaxed) }  // ORDERING: a hint
    }

    /// True when some orphan may hold nodes (a cheap, racy test before `collect`).
    var mayHoldOrphans: Bool { orphanCount.load(ordering: .relaxed) > 0 }  // ORDERING: a hint

    /// Takes every orphan out, runs `reclaim` on each as its only user (POOL-E1), and puts
    /// back the ones still holding nodes; the others become spares.
    func collect(_ reclaim: (UnsafeMutableRawPointer) -> Void) {
        let taken = state.withLock { state -> [UnsafeMutableRawPointer] in
            defer { state.orphans = [] }
            state.inFlight += state.orphans.count
            return state.orphans
        }
        guard !taken.isEmpty else { return }
        orphanCount.subtract(taken.count, ordering: .relaxed)  // ORDERING: a hint
        for record in taken { reclaim(record) }
        let stillHolding = taken.filter { pending($0) > 0 }
        state.withLock { state in
            state.inFlight -= taken.count
            state.orphans += stillHolding
            state.spares += taken.filter { pending($0) == 0 }
        }
        orphanCount.add(stillHolding.count, ordering: .relaxed)  // ORDERING: a hint
    }

    /// True when no orphan is left and no collector holds one.
    var isSettled: Bool { state.withLock { $0.orphans.isEmpty && $0.inFlight == 0 } }

    /// Nodes pending in every record (ck's own counters, read relaxed: a statistic).
    var pendingNodes: UInt64 {
        state.withLock { $0.all }.reduce(0) { $0 + UInt64(pending($1)) }
    }

    var recordCount: Int { state.withLock { $0.all.count } }

    /// Every record, for the domain's deinit (no participant is left).
    var allRecords: [UnsafeMutableRawPointer] { state.withLock { $0.all } }
}

extension LibraryRecordPool {
    /// Records `pendingNodes` if it is the largest seen (statistics' peak).
    func notePending() {
        // ORDERING: relaxed; a statistic.
        peakPending.max(pendingNodes, ordering: .relaxed)
    }

    /// The registry's counters with freed = retired − what ck still holds (ck counts its
    /// own pending nodes; POOL-E2), the peak, and the number of records.
    func statistics(_ registry: ParticipantRegistry, events: [String]) -> ReclaimerStatistics {
        var statistics = registry.statistics(freedOutside: 0, peakPending: 0, events: events)
        let pending = pendingNodes
        statistics.freed = statistics.retired >= pending ? statistics.retired - pending : 0
        statistics.peakPending = max(peakPending.load(ordering: .relaxed), pending)
        statistics.counters.append(SchemeCounter("records", UInt64(recordCount)))
        return statistics
    }
}

/// A participant record of a C-library domain: which ck record its owner uses now (the
/// hot block's first scheme word, so that a guard reads it with one load), and the
/// allocator bit its retires pass to the C headers.
@usableFromInline
class LibraryParticipantRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; the current ck record is used by the owner only.
    /// SAFETY: points into the hot block, which lives as long as the record.
    @usableFromInline final let currentRecordSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    final let allocatorBit: UInt

    init(domain: AnyObject, schemeID: String, allocator: NodeAllocator, eventCount: Int) {
        allocatorBit = allocator.kind == .system ? 1 : 0
        let hot = HotHeader.allocate(schemeBytes: MemoryLayout<UnsafeMutableRawPointer?>.stride)
        currentRecordSlot = hot.schemeArea.bindMemory(to: UnsafeMutableRawPointer?.self, capacity: 1)
        currentRecordSlot.initialize(to: nil)
        super.init(domain: domain, schemeID: schemeID, hot: hot, eventCount: eventCount)
    }

    /// Owner-only; nil until the first registration.
    final var ck: UnsafeMutableRawPointer? {
        get { currentRecordSlot.pointee }
        set { currentRecordSlot.pointee = newValue }
    }

    /// Owner-only, while registered.
    @usableFromInline
    final var currentRecord: UnsafeMutableRawPointer {
        get { currentRecordSlot.pointee.unsafelyUnwrapped }
        set { currentRecordSlot.pointee = newValue }
    }

    /// Owner, outside its guards: hands a record that still holds nodes to `pool` and goes
    /// on with an empty one. Returns whether it did.
    final func handOverIfHolding(to pool: LibraryRecordPool, pending: (UnsafeMutableRawPointer) -> UInt32) -> Bool {
        guard !isInsideGuard(), pending(currentRecord) > 0 else { return false }
        pool.give(currentRecord)
        currentRecord = pool.take()
        return true
    }
}
