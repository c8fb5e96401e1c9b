// rcu — general-purpose userspace RCU, liburcu's "memb" flavor with call_rcu.
// M. Desnoyers, P. E. McKenney, A. Stern, M. Dagenais, J. Walpole, "User-level
// implementations of read-copy update", IEEE TPDS 23(2), 2012; liburcu (urcu-memb,
// urcu-call-rcu). Polled grace periods for helping follow the kernel's
// start_poll_synchronize_rcu()/poll_state_synchronize_rcu().
//
// Shared state: the grace-period counter (GracePeriodCounter, fenced by membarrier); per
// thread, a word: 0 outside a read-side section, else the counter value read when the
// outermost section began; the reclaimer thread's queue of bags (CallbackWorker); per
// thread (owner-only) the open bag and, while helping, bags sealed with a cookie.
//
// Invariants:
//   I1. A thread holds nodes only inside a section, and its word is non-zero throughout
//       the section (set before the first link is read, cleared after the last).
//   I2. Every bag handed to the worker, or sealed with a cookie, holds only nodes unlinked
//       before the grace period that frees it started.
//   I3. While the worker's backlog exceeds `callbackBacklogBound`, a thread whose bag fills
//       keeps it, seals it with a fresh cookie, and frees it itself at a later guard exit
//       once the grace period is complete: writers reclaim their own garbage instead of
//       growing the queue (liburcu's call_rcu thread falls behind a max-rate writer on
//       two cores). Helping polls; it never waits, so a stalled reader cannot block a writer.
//
// Edges (GP-E1/E2/E3 are in GracePeriodCounter):
//   RCU-E1  lock: acquire load of the counter (GP-E1), relaxed store of the word, compiler
//           barrier. membarrier in completedThrough() turns the barrier into a full one on
//           the reader's CPU (GP-E3): the scan sees the word, or the reader sees the unlinks.
//   RCU-E2  unlock: compiler barrier, release store of 0 (GP-E2).
//   WORKER-E1, WAKE-E1: see CallbackWorker and WakeSignal.
//
// Why reclamation is safe: a reader that can reach a node unlinked before cookie c started
// its section before c's scan fence, so the scan sees its word < c (RCU-E1) and the grace
// period waits until the word is cleared (RCU-E2) — or the reader started after, read the
// counter ≥ c and sees the unlink. The domain fails to build if membarrier cannot be
// registered: there is no per-read fallback branch. Garbage is not bounded: a stalled
// reader stops every grace period.

import CReclaimSupport
import Synchronization

/// Userspace RCU (liburcu memb): compiler-barrier read side, membarrier in the writer,
/// deferred frees on a reclaimer thread, writers helping when it falls behind.
public final class ReadCopyUpdateDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): shared state is atomics, the registry, the worker; the
    // rest is immutable after init.
    public typealias Link = AtomicNodeLink
    public typealias Participant = ReadCopyUpdateParticipant
    public typealias Guard = ReadSectionGuard<ReadCopyUpdateDomain>
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .blockingSynchronize, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }

    public static let descriptor = SchemeDescriptor(
        id: "rcu", family: .gracePeriods,
        summary: "compiler-barrier read side, membarrier writer; call_rcu reclaimer thread, writers help past a backlog bound",
        reference: "Desnoyers et al., IEEE TPDS 2012 (liburcu memb + call_rcu)",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, helperThreads: 1, knobs: [.bagCapacity, .gracePeriodInterval]
    )

    enum Event: Int, CaseIterable {
        case bagsQueued, bagsHelped, helpedNodesFreed
        var name: String {
            switch self {
            case .bagsQueued: "bags_queued"
            case .bagsHelped: "bags_helped"
            case .helpedNodesFreed: "helped_nodes_freed"
            }
        }
    }

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    let registry = ParticipantRegistry()
    @usableFromInline let core: GracePeriodCounter
    let worker: CallbackWorker
    let backlogBound: Int
    /// Largest retired − freed seen when a bag filled (where the backlog grows).
    let peakPending = Atomic<UInt64>(0)

    /// Throws `ReclaimerUnavailable` when membarrier(PRIVATE_EXPEDITED) cannot be registered.
    public convenience init(configuration: ReclaimerConfiguration) throws {
        try self.init(configuration: configuration, plantedFault: .none)
    }

    /// Faults planted on purpose, so that tests can show a check fails.
    @_spi(Planted)
    public enum PlantedFault: Sendable {
        case none
        /// Grace periods end without waiting for readers.
        case ignoresReaders
    }

    @_spi(Planted)
    public init(configuration: ReclaimerConfiguration, plantedFault: PlantedFault) throws {
        let registered = rs_membarrier_register_private_expedited()
        guard registered == 0 else {
            throw ReclaimerUnavailable(
                scheme: Self.descriptor.id,
                reason: "membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) failed with errno \(-registered)")
        }
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
        backlogBound = configuration.callbackBacklogBound
        core = GracePeriodCounter(registry: registry, fence: .membarrier,
                                  plantedFault: plantedFault == .ignoresReaders ? .ignoresReaders : .none)
        worker = CallbackWorker(core: core, allocator: allocator,
                                gracePeriodInterval: configuration.gracePeriodIntervalMicroseconds)
    }

    deinit {
        // No participant is left (each holds the domain): hand every bag to the worker and
        // let it free them before it stops.
        registry.forEach { record in
            let record = unsafeDowncast(record, to: ReadCopyUpdateRecord.self)
            record.handOver(to: worker)
        }
        worker.stop()
    }

    public func register(slots: Int) -> ReadCopyUpdateParticipant {
        precondition(slots >= 0, "rcu: register(slots:) needs a non-negative slot count, got \(slots)")
        let record = registry.enroll(ReadCopyUpdateRecord.self) { ReadCopyUpdateRecord(domain: self) }
        return ReadCopyUpdateParticipant(domain: self, record: record)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node, bytes: layout.allocationBytes(Self.self))
    }

    /// Asks the reclaimer thread to look at its queue now; never blocks.
    public func collect() { worker.wake() }

    /// Waits until every read-side section that existed when it was called has ended.
    public func synchronize() {
        ThreadParticipants.trapIfInsideGuard("synchronize()", scheme: Self.descriptor.id)
        core.wait(for: core.start())
    }

    /// Waits until every bag queued before the call — the caller's own flushed first — has
    /// been freed by the reclaimer thread (liburcu's rcu_barrier).
    public func barrier() {
        ThreadParticipants.trapIfInsideGuard("barrier()", scheme: Self.descriptor.id)
        for record in ThreadParticipants.records(in: ObjectIdentifier(self)) {
            flush(unsafeDowncast(record, to: ReadCopyUpdateRecord.self))
        }
        worker.barrier()
    }

    /// Everything a participant hands over goes to the worker's queue: a barrier frees it.
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        barrier()
    }

    public var statistics: ReclaimerStatistics {
        var statistics = registry.statistics(
            freedOutside: worker.freed.load(ordering: .acquiring),
            peakPending: peakPending.load(ordering: .relaxed), events: Event.allCases.map(\.name))
        statistics.counters += [
            SchemeCounter("grace_periods", core.started.load(ordering: .relaxed)),
            SchemeCounter("worker_rounds", worker.rounds.load(ordering: .relaxed)),
            SchemeCounter("batched_rounds", worker.batchedRounds.load(ordering: .relaxed)),
            SchemeCounter("backlog", UInt64(max(0, worker.backlog.load(ordering: .relaxed)))),
            SchemeCounter("peak_backlog", UInt64(max(0, worker.peakBacklog.load(ordering: .relaxed)))),
        ]
        return statistics
    }

    /// Unbounded: a stalled reader stops every grace period.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    // MARK: slow paths

    /// Deferred work at the outermost guard exit while helping (I3): free the bags whose
    /// grace period completed; poll once (one membarrier), never wait.
    @usableFromInline
    @inline(never)
    func performDeferredWork(_ record: ReadCopyUpdateRecord) {
        record.hot.pendingWork = 0
        guard record.bags.hasSealed else { return }
        let completed = core.completedThrough()
        let (nodes, _) = record.bags.freeExpired(headerBytes: 0, allocator: allocator) { $0 <= completed }
        record.bump(record.freedCount, by: UInt64(nodes))
        record.bumpEvent(Event.helpedNodesFreed.rawValue, by: UInt64(nodes))
    }

    func flush(_ record: ReadCopyUpdateRecord) {
        record.handOver(to: worker)
    }

    /// Records retired − freed if it is the largest seen (called once per full bag).
    func notePending() {
        let (retired, freed) = registry.sumCounters()
        let total = freed &+ worker.freed.load(ordering: .acquiring)
        let pending = retired >= total ? retired - total : 0
        // ORDERING: relaxed; a statistic.
        peakPending.max(pending, ordering: .relaxed)
    }

    func unregister(_ record: ReadCopyUpdateRecord) {
        precondition(record.hot.guardDepth == 0, "rcu: a participant left inside its own guard")
        flush(record)
        registry.leave(record)
    }
}

/// A thread's rcu state: its word and bags (GracePeriodRecord).
@usableFromInline
final class ReadCopyUpdateRecord: GracePeriodRecord, @unchecked Sendable {
    // SAFETY: as GracePeriodRecord; the fields added here are immutable.
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: ReadCopyUpdateDomain

    init(domain: ReadCopyUpdateDomain) {
        self.domain = domain
        super.init(domain: domain, schemeID: ReadCopyUpdateDomain.descriptor.id,
                   bagCapacity: domain.configuration.bagCapacity,
                   eventCount: ReadCopyUpdateDomain.Event.allCases.count)
    }

    /// Owner-only: a full bag goes to the worker, or — past the backlog bound — is sealed
    /// with a fresh grace period for this thread to free itself (I3).
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        guard bags.append(entry) else { return }
        domain.notePending()
        // ORDERING: relaxed; a gauge, stale by a bag or two at most.
        if domain.worker.backlog.load(ordering: .relaxed) <= domain.backlogBound, let bag = bags.takeOpen() {
            domain.worker.enqueue(first: bag, last: bag, count: bag.count)
            bumpEvent(ReadCopyUpdateDomain.Event.bagsQueued.rawValue)
        } else {
            bags.sealOpen(tag: domain.core.start())
            bumpEvent(ReadCopyUpdateDomain.Event.bagsHelped.rawValue)
            hot.pendingWork = 1
        }
    }

    /// Owner-only: every bag this thread holds goes to the worker.
    func handOver(to worker: CallbackWorker) {
        var count = 0
        var first: GarbageBatch?, last: GarbageBatch?
        if let (sealedFirst, sealedLast) = bags.takeSealed() {
            first = sealedFirst
            last = sealedLast
            var bag: GarbageBatch? = sealedFirst
            while let current = bag { count += current.count; bag = current.next }
        }
        if let open = bags.takeOpen() {
            count += open.count
            if let tail = last { tail.next = open } else { first = open }
            last = open
        }
        if let first, let last { worker.enqueue(first: first, last: last, count: count) }
    }
}

/// A thread registered with an rcu domain.
public struct ReadCopyUpdateParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = ReadCopyUpdateDomain
    @usableFromInline let domain: ReadCopyUpdateDomain
    @usableFromInline let record: ReadCopyUpdateRecord
    @usableFromInline let hot: HotHeader
    // Four stored words, so that the struct travels in registers (see QuiescentStateParticipant).
    @inlinable var word: UnsafeMutablePointer<Atomic<UInt64>> {
        hot.scheme(Atomic<UInt64>.self)
    }
    @usableFromInline let counter: UnsafeMutablePointer<Atomic<UInt64>>

    init(domain: ReadCopyUpdateDomain, record: ReadCopyUpdateRecord) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
        self.counter = domain.core.counter
    }

    /// The outermost section publishes the counter in the thread's word behind a compiler
    /// barrier (RCU-E1) and clears it with release (RCU-E2).
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReadSectionGuard<ReadCopyUpdateDomain>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        if depth == 0 {
            // ORDERING[RCU-E1][GP-E1]: acquire pairs with start()'s increment.
            let current = counter.pointee.load(ordering: .acquiring)
            // ORDERING[RCU-E1][GP-E2]: release (a plain mov on x86), as qsbr's comeOnline:
            // the previous section's accesses stay ordered before a reclaimer that reads
            // this word; the barrier below + membarrier order it before this section's reads.
            publishWord(word, current, .releasing)
            rs_compiler_barrier()  // ORDERING[RCU-E1][GP-E3]: pairs with membarrier in completedThrough()
        }
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 {
                rs_compiler_barrier()  // ORDERING[RCU-E2]
                publishWord(word, 0, .releasing)  // ORDERING[RCU-E2][GP-E2]
                drainOwnPublishes()
                if hot.pendingWork != 0 { domain.performDeferredWork(record) }
            }
        }
        return try body(ReadSectionGuard(record: record))
    }

    public func flush() { domain.flush(record) }

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}
