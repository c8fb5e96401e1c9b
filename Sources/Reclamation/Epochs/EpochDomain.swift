// ebr — epoch-based reclamation. K. Fraser, "Practical lock-freedom", PhD thesis,
// Cambridge 2004 (ch. 5); crossbeam-epoch (Rust) for the pin/seal/advance protocol;
// T. Brown, "Reclaiming memory for lock-free data structures: there has to be a better
// way" (DEBRA, PODC 2015) for per-thread limbo bags.
//
// Shared state:
//   - global epoch: 64-bit, never wraps in practice, on its own 128-byte line.
//   - registry: per-thread records; each hot block holds the thread's local epoch word:
//     0 when not pinned, (epoch << 1) | 1 when pinned at `epoch`.
//   - garbage: sealed bags handed over by threads that flushed or left.
//   Per thread (owner-only): the open bag, a FIFO of its sealed bags, a spare bag.
//
// Invariants:
//   I1. A pinned thread's local epoch e is at most the global epoch, and the global epoch
//       moves from g to g + 1 only when every pinned thread has e == g. So while a thread
//       stays pinned at e, the global epoch is at most e + 1.
//   I2. A bag is sealed with s, the global epoch read after a seq_cst fence that follows
//       the unlink of every node in it (the fence is in seal(); each unlink precedes its
//       retire).
//   I3. A bag is freed only when global − s ≥ 2.
//
// Edges:
//   EBR-E1  pin's seq_cst fence (after publishing e) ↔ the seq_cst fences in seal() and
//           tryAdvance(). If the reader's fence comes first in the total order, the seal's
//           read of the epoch is ≥ e (C++20 [atomics.order] p4.4 applied to the reader's
//           read of the epoch and the seal's read: coherence forbids the later-fenced
//           read seeing an older value), and the advance sees the reader pinned. If the
//           seal's fence comes first, the reader's loads after its fence see the unlink
//           and never reach the node.
//   EBR-E2  unpin's release store ↔ tryAdvance's acquire load of the local epoch: the
//           reader's accesses happen before the advance.
//   EBR-E3  the advance's CAS (release) ↔ the acquire load of the epoch before a free:
//           the free happens after every reader the advance waited for.
//   REG-E1/E2, STACK-E1, GARBAGE-E1: see ParticipantRegistry and GarbageBatch.
//
// Why reclamation is safe: a reader that can reach a node of a bag sealed at s pinned
// before the seal's fence (EBR-E1), at some e ≤ s; by I1, while it stays pinned the
// global epoch is at most e + 1 ≤ s + 1, so by I3 the bag is not freed; once the epoch
// reaches s + 2, the reader unpinned, and EBR-E2/E3 order its accesses before the free.
// Garbage is not bounded: one stalled pinned reader stops the epoch (no .boundedGarbage).

import Synchronization

import CReclaimSupport

/// Epoch-based reclamation: pin publishes the epoch seen; bags sealed with the epoch are
/// freed two epochs later.
public final class EpochDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): shared state is atomics, the registry and the garbage
    // stack; the rest is immutable after init.
    public typealias Link = AtomicNodeLink
    public typealias Participant = EpochParticipant
    public typealias Guard = ReadSectionGuard<EpochDomain>
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .blockingSynchronize, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }

    public static let descriptor = SchemeDescriptor(
        id: "ebr", family: .epochs,
        summary: "64-bit global epoch, pinned threads publish it; bags freed two epochs after sealing",
        reference: "Fraser 2004; crossbeam-epoch; Brown (DEBRA) PODC 2015",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, knobs: [.bagCapacity]
    )

    enum Event: Int, CaseIterable {
        case epochAdvances, advancesBlocked, bagsSealed, bagsFreed
        var name: String {
            switch self {
            case .epochAdvances: "epoch_advances"
            case .advancesBlocked: "advances_blocked"
            case .bagsSealed: "bags_sealed"
            case .bagsFreed: "bags_freed"
            }
        }
    }

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    /// SAFETY: a 128-byte-aligned block owned by the domain, freed in deinit.
    @usableFromInline let globalEpoch: UnsafeMutablePointer<Atomic<UInt64>>
    let registry = ParticipantRegistry()
    let garbage = DomainGarbage()
    /// Epoch advances made by collect()/drain()/synchronize() outside a participant.
    let advancesOutsideParticipants = Atomic<UInt64>(0)

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
        self.allocator = NodeAllocator(configuration.allocator)
        globalEpoch = CacheAlignedMemory.allocate(bytes: 8).bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        globalEpoch.initialize(to: Atomic(0))
    }

    deinit {
        registry.forEach { record in
            let record = unsafeDowncast(record, to: EpochRecord.self)
            record.bags.sealOpen(tag: 0)
            if let (first, last) = record.bags.takeSealed() { garbage.stack.push(first: first, last: last) }
        }
        garbage.freeEverything(headerBytes: 0, allocator: allocator)
        globalEpoch.deinitialize(count: 1)
        CacheAlignedMemory.free(UnsafeMutableRawPointer(globalEpoch))
    }

    public func register(slots: Int) -> EpochParticipant {
        precondition(slots >= 0, "ebr: register(slots:) needs a non-negative slot count, got \(slots)")
        let record = registry.enroll(EpochRecord.self) { EpochRecord(domain: self) }
        return EpochParticipant(domain: self, record: record)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node, bytes: layout.allocationBytes(Self.self))
    }

    /// Tries once to advance the epoch, then frees the domain's expired bags.
    public func collect() {
        if tryAdvance() { _ = advancesOutsideParticipants.add(1, ordering: .relaxed) }  // ORDERING: a statistic
        freeExpiredOrphans()
    }

    /// Waits for two epoch advances: every reader pinned when called has unpinned (I1).
    public func synchronize() {
        ThreadParticipants.trapIfInsideGuard("synchronize()", scheme: Self.descriptor.id)
        let target = globalEpoch.pointee.load(ordering: .acquiring) &+ 2  // ORDERING[EBR-E3]
        var backoff = Backoff()
        while globalEpoch.pointee.load(ordering: .acquiring) < target {  // ORDERING[EBR-E3]
            if tryAdvance() {
                _ = advancesOutsideParticipants.add(1, ordering: .relaxed)  // ORDERING: a statistic
            } else {
                backoff.wait()
            }
        }
    }

    public func barrier() { drain() }

    /// Flushes the caller's participants, then advances the epoch until every bag the
    /// domain holds has expired and is freed.
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        for record in ThreadParticipants.records(in: ObjectIdentifier(self)) {
            flush(unsafeDowncast(record, to: EpochRecord.self))
        }
        garbage.drain { collect() }
    }

    public var statistics: ReclaimerStatistics {
        var statistics = registry.statistics(
            freedOutside: garbage.freedOutsideParticipants.load(ordering: .acquiring),
            peakPending: garbage.peakPending.load(ordering: .relaxed), events: Event.allCases.map(\.name))
        statistics.counters[Event.epochAdvances.rawValue].value &+= advancesOutsideParticipants.load(ordering: .relaxed)
        statistics.counters.append(SchemeCounter("global_epoch", globalEpoch.pointee.load(ordering: .relaxed)))
        return statistics
    }

    /// Unbounded: one stalled pinned reader stops the epoch.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    // MARK: slow paths

    /// Advances the global epoch by one if every pinned thread has caught up (I1).
    @discardableResult
    func tryAdvance() -> Bool {
        // ORDERING[EBR-E3]: acquire; we start from the latest advance we can see.
        let epoch = globalEpoch.pointee.load(ordering: .acquiring)
        // ORDERING[EBR-E1]: pairs with pin's fence: a reader whose fence precedes ours is
        // seen pinned below.
        fullFence()
        stressPoint(.fencedBeforeLoads)
        var caughtUp = true
        registry.forEach { record in
            guard caughtUp else { return }
            stressPoint(.censusBetweenRecords)
            let record = unsafeDowncast(record, to: EpochRecord.self)
            // ORDERING[EBR-E2]: acquire pairs with unpin's release.
            let local = record.localEpoch.pointee.load(ordering: .acquiring)
            if local & 1 != 0 && local >> 1 != epoch { caughtUp = false }
        }
        guard caughtUp else { return false }
        // ORDERING[EBR-E3]: release (with acquire for the failure value); a CAS, not a
        // store, so a slow advancer can never move the epoch backwards.
        return globalEpoch.pointee.compareExchange(
            expected: epoch, desired: epoch &+ 1, ordering: .acquiringAndReleasing
        ).exchanged
    }

    /// The epoch a bag is sealed with (I2).
    @usableFromInline
    func sealEpoch() -> UInt64 {
        // ORDERING[EBR-E1]: the fence follows every unlink of the bag's nodes.
        fullFence()
        return globalEpoch.pointee.load(ordering: .acquiring)
    }

    /// True once a bag sealed at `seal` may be freed (I3).
    func isExpired(_ seal: UInt64) -> Bool {
        // ORDERING[EBR-E3]: acquire pairs with the advance's release.
        globalEpoch.pointee.load(ordering: .acquiring) &- seal >= 2
    }

    func freeExpiredOrphans() {
        guard !garbage.stack.isEmpty else { return }
        notePending()
        _ = garbage.process { bag in
            guard isExpired(bag.tag) else { return 0 }
            return bag.reclaim(headerBytes: 0, allocator: allocator) { _ in false }
        }
    }

    /// Deferred work at the outermost guard exit (after unpin): advance, free own bags.
    @usableFromInline
    @inline(never)
    func performDeferredWork(_ record: EpochRecord) {
        record.hot.pendingWork = 0
        if tryAdvance() { record.bumpEvent(Event.epochAdvances.rawValue) }
        else { record.bumpEvent(Event.advancesBlocked.rawValue) }
        notePending()
        freeExpiredBags(of: record)
        freeExpiredOrphans()
    }

    func freeExpiredBags(of record: EpochRecord) {
        let (nodes, bags) = record.bags.freeExpired(headerBytes: 0, allocator: allocator) { isExpired($0) }
        record.bump(record.freedCount, by: UInt64(nodes))
        record.bumpEvent(Event.bagsFreed.rawValue, by: UInt64(bags))
    }

    func flush(_ record: EpochRecord) {
        if record.bags.sealOpen(tag: sealEpoch()) { record.bumpEvent(Event.bagsSealed.rawValue) }
        if tryAdvance() { record.bumpEvent(Event.epochAdvances.rawValue) }
        freeExpiredBags(of: record)
        if let (first, last) = record.bags.takeSealed() { garbage.stack.push(first: first, last: last) }
        notePending()
    }

    func unregister(_ record: EpochRecord) {
        precondition(record.hot.guardDepth == 0, "ebr: a participant left inside its own guard")
        flush(record)
        registry.leave(record)
    }

    func notePending() { garbage.notePending(in: registry) }
}
