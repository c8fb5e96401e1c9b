// none — the no-reclamation baseline (smr-benchmark's `nr`; Wen et al., "Interval-based
// memory reclamation", PPoPP 2018, use the same baseline).
//
// Shared state: a registry of per-thread records, each holding the nodes its owner retired;
// the domain's garbage stack for what threads hand over when they flush or leave.
//
// Invariants:
//   I1. Nothing is freed while any participant other than the caller of drain() is
//       registered: `none` cannot tell whether a reader holds a node, so it never frees
//       during a run. Readers therefore pay nothing: a guard is the closure, a protect is
//       an acquire load. It is the read-speed ceiling, not a writer ceiling (its writer
//       page-faults on fresh memory all run long) and not a memory figure anyone wants.
//   I2. Retired nodes are kept (a retire appends to the owner's batch) and freed exactly
//       once by drain(), which runs when every other participant has left — so tests and
//       the runner end at zero, like every other scheme.
//
// Edges:
//   E1. A node's initialization happens before a reader's use: the structure publishes
//       with a release store/CAS, protect() loads with acquire.
//   E2. A leaving thread's batch reaches drain() through the garbage stack (release push,
//       acquire pop), and its end of reading reaches drain() through the registry
//       (REG-E1: release when it leaves, acquire when drain counts active records).
//
// Guard depth is not tracked here (it would cost the ceiling a store): a blocking call of
// another domain made inside a `none` guard is not caught.

import Synchronization

/// The no-reclamation baseline: never frees during a run.
public final class NoReclamationDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): shared state is the registry and the garbage stack,
    // both lock-free; everything else is immutable after init.
    public typealias Link = AtomicNodeLink
    public typealias Participant = NoReclamationParticipant
    public typealias Guard = ReadSectionGuard<NoReclamationDomain>
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }

    public static let descriptor = SchemeDescriptor(
        id: "none", family: .baseline,
        summary: "never frees during a run: the read-speed ceiling",
        reference: "smr-benchmark nr (Wen et al., PPoPP 2018)",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes
    )

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    let registry = ParticipantRegistry()
    let garbage = DomainGarbage()

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
        self.allocator = NodeAllocator(configuration.allocator)
    }

    deinit {
        // Every participant holds a reference to the domain: none is left, nobody reads.
        garbage.freeEverything(headerBytes: 0, allocator: allocator)
    }

    public func register(slots: Int) -> NoReclamationParticipant {
        precondition(slots >= 0, "register(slots:) needs a non-negative slot count, got \(slots)")
        let record = registry.enroll(NoReclamationRecord.self) { NoReclamationRecord(domain: self) }
        return NoReclamationParticipant(domain: self, record: record)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node, bytes: layout.allocationBytes(Self.self))
    }

    /// Never frees during a run (I1).
    public func collect() {}

    public func synchronize() {
        fatalError("none.synchronize(): the no-reclamation baseline has no grace period (no .blockingSynchronize)")
    }

    public func barrier() { drain() }

    /// Frees every retired node. Traps if any participant other than the caller's own is
    /// still registered: `none` cannot tell whether it reads (I1).
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        let own = ThreadParticipants.records(in: ObjectIdentifier(self))
        for record in own { flush(unsafeDowncast(record, to: NoReclamationRecord.self)) }
        let others = registry.activeCount - own.count
        precondition(others == 0, """
            none.drain() with \(others) other participant(s) registered: the no-reclamation \
            baseline cannot tell whether they still read. Let them leave first.
            """)
        garbage.notePending(in: registry)
        _ = garbage.process { batch in batch.reclaim(headerBytes: 0, allocator: allocator) { _ in false } }
    }

    public var statistics: ReclaimerStatistics {
        registry.statistics(
            freedOutside: garbage.freedOutsideParticipants.load(ordering: .acquiring),
            peakPending: garbage.peakPending.load(ordering: .relaxed), events: [])
    }

    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    func flush(_ record: NoReclamationRecord) {
        if let (first, last) = record.takeGarbage() { garbage.stack.push(first: first, last: last) }
    }

    func unregister(_ record: NoReclamationRecord) {
        flush(record)
        registry.leave(record)
    }
}

/// Per-thread state of `none`: the nodes its owner retired (owner-only), in a chain of
/// fixed-size batches. Not one array grown by doubling: `none` keeps everything, and
/// copying a 100 MB array stalled its writer for a large part of a one-second run.
@usableFromInline
final class NoReclamationRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; the fields added here are owner-only.
    static let batchCapacity = 4096
    private var open: GarbageBatch?
    private var fullFirst: GarbageBatch?
    private var fullLast: GarbageBatch?

    init(domain: NoReclamationDomain) {
        super.init(domain: domain, schemeID: NoReclamationDomain.descriptor.id, hot: .allocate(schemeBytes: 0), eventCount: 0)
    }

    deinit { open?.free() }  // full batches were handed over by flush before the record can die

    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        var batch = open ?? GarbageBatch.allocate(capacity: Self.batchCapacity)
        if batch.isFull {
            batch.next = nil
            if let fullLast { fullLast.next = batch } else { fullFirst = batch }
            fullLast = batch
            batch = GarbageBatch.allocate(capacity: Self.batchCapacity)
        }
        batch.append(entry)
        open = batch
        bump(retiredCount)
    }

    /// Owner-only: every batch holding nodes, as a chain; nil when there are none.
    func takeGarbage() -> (first: GarbageBatch, last: GarbageBatch)? {
        if let batch = open, batch.count > 0 {
            open = nil
            batch.next = nil
            if let fullLast { fullLast.next = batch } else { fullFirst = batch }
            fullLast = batch
        }
        guard let first = fullFirst, let last = fullLast else { return nil }
        fullFirst = nil
        fullLast = nil
        return (first, last)
    }
}

/// A thread registered with `none`.
public struct NoReclamationParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = NoReclamationDomain
    @usableFromInline let domain: NoReclamationDomain
    @usableFromInline let record: NoReclamationRecord

    init(domain: NoReclamationDomain, record: NoReclamationRecord) {
        self.domain = domain
        self.record = record
    }

    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReadSectionGuard<NoReclamationDomain>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(ReadSectionGuard(record: record))
    }

    public func flush() { domain.flush(record) }

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}
