// qsbr — quiescent-state-based reclamation. P. E. McKenney and J. D. Slingwine,
// "Read-copy update: using execution history to solve concurrency problems", PDCS 1998;
// M. Desnoyers, P. E. McKenney, A. Stern, M. Dagenais, J. Walpole, "User-level
// implementations of read-copy update", IEEE TPDS 23(2), 2012 (liburcu's qsbr flavor).
//
// Shared state: the grace-period counter (GracePeriodCounter); per thread, a word: 0 when
// offline, else the counter value the thread saw at its last quiescent state; per thread
// (owner-only) bags sealed with a grace-period cookie; the domain's garbage for what
// threads hand over when they flush or leave.
//
// Invariants:
//   I1. A thread holds nodes only inside a guard, and announces a quiescent state (or goes
//       offline) only outside every guard of this domain.
//   I2. A bag is sealed with a cookie c taken by `start()` after each of its nodes was
//       unlinked (retire follows unlink), and freed only once every word is 0 or ≥ c.
//   I3. An online thread's word only grows; it is 0 exactly while offline.
//
// Edges (GP-E1/E2/E3 are in GracePeriodCounter):
//   QS-E1  announcing: acquire load of the counter (GP-E1), release store of the word
//          (GP-E2). No fence: a thread whose new word w ≥ c read the counter after the
//          increment that made c, so its later reads see the unlinks (GP-E1); its earlier
//          reads happen before a free that observes w (GP-E2).
//   QS-E2  coming online: store the word, then a seq_cst fence (GP-E3's reader side). A
//          scan that still sees 0 (offline) is ordered before the fence, so the thread's
//          reads after it see every unlink that preceded the scan's fence.
//   QS-E3  going offline: release store of 0 (GP-E2): reads made while online happen
//          before any free that sees the thread offline.
//
// Why reclamation is safe: a node of a bag sealed at c is unlinked before c; a thread that
// can reach it was online with a word < c (it read the counter before the increment, or
// came online before the scan's fence — QS-E2); the bag waits until that thread announces
// a state ≥ c or goes offline, after which its reads happen before the free (QS-E1, E3).
// A thread that never announces keeps everything pending: qsbr is not .boundedGarbage.
// Readers pay nothing for a guard but a depth count (kept so that a blocking call inside a
// guard traps); a quiescent state costs two loads when no grace period is waiting.
// Deferred work (freeing the thread's expired bags) runs on the quiescent state's slow
// path, not at the guard's end: sealing a bag starts a grace period, so the thread's word
// no longer matches the counter and its next quiescent state takes that path anyway — the
// guard's end tests nothing (3 instructions an operation fewer; callgrind).

import Synchronization

/// Quiescent-state-based reclamation (liburcu qsbr): free read side, explicit quiescent
/// states between operations.
public final class QuiescentStateDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): shared state is atomics, the registry and the garbage
    // stack; the rest is immutable after init.
    public typealias Link = AtomicNodeLink
    public typealias Participant = QuiescentStateParticipant
    public typealias Guard = ReadSectionGuard<QuiescentStateDomain>
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .needsQuiescentStates, .blockingSynchronize, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }

    public static let descriptor = SchemeDescriptor(
        id: "qsbr", family: .gracePeriods,
        summary: "threads announce quiescent states between operations; free read side; bags wait a grace period",
        reference: "McKenney & Slingwine 1998; Desnoyers et al., IEEE TPDS 2012 (liburcu qsbr)",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, knobs: [.bagCapacity, .quiescentStateInterval]
    )

    enum Event: Int, CaseIterable {
        case quiescentStates, bagsSealed, bagsFreed
        var name: String {
            switch self {
            case .quiescentStates: "quiescent_states"
            case .bagsSealed: "bags_sealed"
            case .bagsFreed: "bags_freed"
            }
        }
    }

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    let registry = ParticipantRegistry()
    @usableFromInline let core: GracePeriodCounter
    let garbage = DomainGarbage()

    public convenience init(configuration: ReclaimerConfiguration) {
        self.init(configuration: configuration, plantedFault: .none)
    }

    /// Faults planted on purpose, so that tests can show a check fails.
    @_spi(Planted)
    public enum PlantedFault: Sendable {
        case none
        /// Grace periods end without waiting for online threads.
        case ignoresReaders
    }

    @_spi(Planted)
    public init(configuration: ReclaimerConfiguration, plantedFault: PlantedFault) {
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
        core = GracePeriodCounter(registry: registry, fence: .sequentiallyConsistent,
                                  plantedFault: plantedFault == .ignoresReaders ? .ignoresReaders : .none)
    }

    deinit {
        registry.forEach { record in
            let record = unsafeDowncast(record, to: QuiescentStateRecord.self)
            record.bags.sealOpen(tag: 0)
            if let (first, last) = record.bags.takeSealed() { garbage.stack.push(first: first, last: last) }
        }
        garbage.freeEverything(headerBytes: 0, allocator: allocator)
    }

    public func register(slots: Int) -> QuiescentStateParticipant {
        precondition(slots >= 0, "qsbr: register(slots:) needs a non-negative slot count, got \(slots)")
        let record = registry.enroll(QuiescentStateRecord.self) { QuiescentStateRecord(domain: self) }
        comeOnline(record)
        return QuiescentStateParticipant(domain: self, record: record)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node, bytes: layout.allocationBytes(Self.self))
    }

    /// Frees the domain's bags whose grace period is complete.
    public func collect() {
        guard !garbage.stack.isEmpty else { return }
        notePending()
        let completed = core.completedThrough()
        _ = garbage.process { bag in
            guard bag.tag <= completed else { return 0 }
            return bag.reclaim(headerBytes: 0, allocator: allocator) { _ in false }
        }
    }

    /// Waits until every thread online at the call has announced a quiescent state or gone
    /// offline. The caller's own participants are offline meanwhile (it cannot be reading:
    /// it is outside every guard), as liburcu's synchronize_rcu does for qsbr.
    public func synchronize() {
        ThreadParticipants.trapIfInsideGuard("synchronize()", scheme: Self.descriptor.id)
        withCallerOffline { core.wait(for: core.start()) }
    }

    public func barrier() { drain() }

    /// Flushes the caller's participants, then waits until every bag the domain holds has
    /// had its grace period and is freed. Threads that stay online without announcing
    /// quiescent states hold it up (as they hold up every grace period).
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        for record in ThreadParticipants.records(in: ObjectIdentifier(self)) {
            flush(unsafeDowncast(record, to: QuiescentStateRecord.self))
        }
        withCallerOffline { garbage.drain { collect() } }
    }

    public var statistics: ReclaimerStatistics {
        var statistics = registry.statistics(
            freedOutside: garbage.freedOutsideParticipants.load(ordering: .acquiring),
            peakPending: garbage.peakPending.load(ordering: .relaxed), events: Event.allCases.map(\.name))
        statistics.counters.append(SchemeCounter("grace_periods", core.started.load(ordering: .relaxed)))
        return statistics
    }

    /// Unbounded: a thread that stays online without announcing holds everything.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    // MARK: slow paths

    /// QS-E2: the word is published, then fenced, before the thread reads any link.
    func comeOnline(_ record: QuiescentStateRecord) {
        // ORDERING[GP-E1]: acquire; the thread starts from the newest grace period.
        let current = core.counter.pointee.load(ordering: .acquiring)
        // ORDERING[QS-E2][GP-E2]: release (a plain mov on x86) so that a reclaimer whose
        // acquire load reads this word, not the offline 0 before it, still synchronizes
        // with what the thread did before (C++20 release sequences end at a plain store);
        // the fence below orders it before the thread's next link reads.
        publishWord(record.word, current, .releasing)
        stressPoint(.publishedBeforeFence)
        fullFence()  // ORDERING[QS-E2][GP-E3]
    }

    /// QS-E3.
    func goOffline(_ record: QuiescentStateRecord) {
        publishWord(record.word, 0, .releasing)  // ORDERING[QS-E3][GP-E2]
        drainOwnPublishes()
    }

    /// Runs `body` with the caller's online participants of this domain offline.
    func withCallerOffline(_ body: () -> Void) {
        let own = ThreadParticipants.records(in: ObjectIdentifier(self)).map { unsafeDowncast($0, to: QuiescentStateRecord.self) }
        let online = own.filter { ownWord($0.word) != 0 }  // ORDERING: our own words
        for record in online { goOffline(record) }
        body()
        for record in online { comeOnline(record) }
    }

    /// Deferred work, from a quiescent state (outside every guard): frees the thread's
    /// bags whose grace period completed, and the domain's.
    func performDeferredWork(_ record: QuiescentStateRecord) {
        record.hot.pendingWork = 0
        freeExpiredBags(of: record)
        collect()
    }

    func freeExpiredBags(of record: QuiescentStateRecord) {
        guard record.bags.hasSealed else { return }
        notePending()
        let completed = core.completedThrough()
        let (nodes, bags) = record.bags.freeExpired(headerBytes: 0, allocator: allocator) { $0 <= completed }
        record.bump(record.freedCount, by: UInt64(nodes))
        record.bumpEvent(Event.bagsFreed.rawValue, by: UInt64(bags))
    }

    func flush(_ record: QuiescentStateRecord) {
        if record.bags.sealOpen(tag: core.start()) { record.bumpEvent(Event.bagsSealed.rawValue) }
        if record.hot.guardDepth == 0 && ownWord(record.word) != 0 { record.announce(core) }
        freeExpiredBags(of: record)
        if let (first, last) = record.bags.takeSealed() { garbage.stack.push(first: first, last: last) }
    }

    func unregister(_ record: QuiescentStateRecord) {
        precondition(record.hot.guardDepth == 0, "qsbr: a participant left inside its own guard")
        flush(record)
        goOffline(record)
        registry.leave(record)
    }

    func notePending() { garbage.notePending(in: registry) }
}

/// A thread's qsbr state: its word and bags (GracePeriodRecord).
@usableFromInline
final class QuiescentStateRecord: GracePeriodRecord, @unchecked Sendable {
    // SAFETY: as GracePeriodRecord; the fields added here are owner-only or immutable.
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: QuiescentStateDomain

    init(domain: QuiescentStateDomain) {
        self.domain = domain
        super.init(domain: domain, schemeID: QuiescentStateDomain.descriptor.id,
                   bagCapacity: domain.configuration.bagCapacity,
                   eventCount: QuiescentStateDomain.Event.allCases.count)
    }

    /// Owner-only, outside every guard: the word catches up with the counter (QS-E1).
    /// (The participant inlines the same on its fast path.)
    func announce(_ core: GracePeriodCounter) {
        // ORDERING[QS-E1][GP-E1]: acquire pairs with start()'s increment.
        let current = core.counter.pointee.load(ordering: .acquiring)
        // ORDERING: relaxed; our own word.
        if ownWord(word) != current { advanceWord(to: current) }
    }

    /// A grace period is waiting for this thread: catch up (once per grace period), then
    /// do the deferred work a sealed bag asked for (its seal started a grace period, so a
    /// thread with pending work always comes here).
    @usableFromInline
    @inline(never)
    func advanceWord(to current: UInt64) {
        publishWord(word, current, .releasing)  // ORDERING[QS-E1][GP-E2]
        bumpEvent(QuiescentStateDomain.Event.quiescentStates.rawValue)
        if hot.pendingWork != 0 { domain.performDeferredWork(self) }
    }

    /// Owner-only: a full bag is sealed with a fresh grace period; the thread's next
    /// quiescent state frees what has expired.
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        if bags.append(entry) {
            bags.sealOpen(tag: domain.core.start())
            bumpEvent(QuiescentStateDomain.Event.bagsSealed.rawValue)
            hot.pendingWork = 1
        }
    }
}

/// A thread registered with a qsbr domain: online from registration until it leaves.
public struct QuiescentStateParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = QuiescentStateDomain
    // Four words, so that the struct travels in registers: with six (the domain and the
    // word's address besides) a cell loop got it by address and reloaded `hot` and the
    // counter's address after every store of the guard depth, which it cannot prove
    // leaves the struct alone (perf annotate of the slot-table cell). The domain is the
    // record's; the word is at a fixed offset in the hot block.
    @usableFromInline let record: QuiescentStateRecord
    @usableFromInline let hot: HotHeader
    @usableFromInline let counter: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let interval: Int

    @usableFromInline var domain: QuiescentStateDomain { record.domain }
    @inlinable var word: UnsafeMutablePointer<Atomic<UInt64>> {
        hot.scheme(Atomic<UInt64>.self)
    }

    init(domain: QuiescentStateDomain, record: QuiescentStateRecord) {
        self.record = record
        self.hot = record.hot
        self.counter = domain.core.counter
        self.interval = domain.configuration.quiescentStateInterval
        hot.quiescentCountdown = interval
    }

    /// The read side costs nothing but the depth count (deferred work waits for the next
    /// quiescent state).
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReadSectionGuard<QuiescentStateDomain>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        hot.guardDepth = depth &+ 1
        defer { hot.guardDepth = depth }
        return try body(ReadSectionGuard(record: record))
    }

    /// Every `quiescentStateInterval`-th call announces a quiescent state: two loads and a
    /// compare while no grace period waits for this thread (QS-E1).
    @inlinable
    public func quiescentState() {
        assert(hot.guardDepth == 0, "qsbr: quiescentState() inside a guard (the thread still holds nodes)")
        if interval != 1 {  // the default interval keeps no countdown (urcu-qsbr's shape too)
            let left = hot.quiescentCountdown &- 1
            if left > 0 {
                hot.quiescentCountdown = left
                return
            }
            hot.quiescentCountdown = interval
        }
        // ORDERING[QS-E1][GP-E1]: acquire pairs with start()'s increment.
        let current = counter.pointee.load(ordering: .acquiring)
        // ORDERING: relaxed; our own word.
        if ownWord(word) != current { record.advanceWord(to: current) }
    }

    /// Offline while `body` runs: grace periods do not wait for this thread.
    public func whileOffline<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        precondition(hot.guardDepth == 0, "qsbr: whileOffline inside a guard")
        domain.goOffline(record)
        defer { domain.comeOnline(record) }
        return try body()
    }

    public func flush() { domain.flush(record) }

    deinit { domain.unregister(record) }
}
