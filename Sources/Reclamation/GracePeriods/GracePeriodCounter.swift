import CReclaimSupport
import Synchronization

/// The grace-period core that qsbr and rcu share: a 64-bit counter and one word per thread
/// (liburcu's `gp.ctr` and per-reader `ctr`). The counter is 64-bit and never wraps, so a
/// single wait suffices — no phase flip and second wait as with a 32-bit phase bit.
///
/// A thread's word is 0 when it cannot hold a node (qsbr: offline; rcu: outside a
/// read-side section); otherwise it is a counter value the thread observed (qsbr: at its
/// last quiescent state; rcu: when its outermost section began). A grace period begun by
/// `start()`, with cookie c (the counter after the increment), is complete when every word
/// is 0 or ≥ c: each thread has since been quiescent or started afresh after c.
///
/// Edges:
///   GP-E1  `start()`'s seq_cst increment (release) ↔ a reader's acquire load of the
///          counter: a reader that observed c reads links after the unlinks that preceded
///          the increment.
///   GP-E2  a word cleared or advanced with release ↔ the acquire load in
///          `completedThrough()`: the thread's earlier reads happen before the free.
///   GP-E3  the full fence in `completedThrough()` (seq_cst for qsbr, membarrier for rcu)
///          ↔ the reader's publication of its word (qsbr: seq_cst fence when it comes
///          online; rcu: compiler barrier, made a full barrier by membarrier): a reader
///          whose word the scan does not see reads links after the unlinks.
@usableFromInline
final class GracePeriodCounter: @unchecked Sendable {
    // SAFETY: the counter is an atomic in memory owned here; the registry is lock-free.
    enum Fence {
        /// A seq_cst fence on the scanning thread (qsbr: its readers fence when they come online).
        case sequentiallyConsistent
        /// membarrier(PRIVATE_EXPEDITED): a full barrier on every CPU running one of our
        /// threads, so that readers need only a compiler barrier (rcu, liburcu memb).
        case membarrier
    }

    /// Faults planted on purpose, so that tests can show a check fails. Off in every real run.
    public enum PlantedFault: Sendable {
        case none
        /// completedThrough() ignores every reader: grace periods end at once.
        case ignoresReaders
    }

    /// SAFETY: a 128-byte-aligned block owned here, freed in deinit.
    @usableFromInline let counter: UnsafeMutablePointer<Atomic<UInt64>>
    let registry: ParticipantRegistry
    let fence: Fence
    let plantedFault: PlantedFault
    /// Grace periods started (a statistic).
    let started = Atomic<UInt64>(0)

    init(registry: ParticipantRegistry, fence: Fence, plantedFault: PlantedFault = .none) {
        self.registry = registry
        self.fence = fence
        self.plantedFault = plantedFault
        counter = CacheAlignedMemory.allocate(bytes: 8).bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        counter.initialize(to: Atomic(1))  // 0 is every word's "holds nothing"
    }

    deinit {
        counter.deinitialize(count: 1)
        CacheAlignedMemory.free(UnsafeMutableRawPointer(counter))
    }

    /// Begins a grace period; nodes unlinked before the call may be freed once
    /// `completedThrough() >= cookie`.
    func start() -> UInt64 {
        started.add(1, ordering: .relaxed)  // ORDERING: a statistic
        // ORDERING[GP-E1]: seq_cst (release half pairs with readers' acquire loads).
        return counter.pointee.add(1, ordering: .sequentiallyConsistent).newValue
    }

    /// The largest cookie whose grace period is complete now: the smallest non-zero word,
    /// or, when no thread holds anything, the counter itself. Never blocks.
    func completedThrough() -> UInt64 {
        switch fence {
        case .sequentiallyConsistent:
            fullFence()  // ORDERING[GP-E3]
        case .membarrier:
            let result = membarrierAllCPUs()  // ORDERING[GP-E3]
            precondition(result == 0, "membarrier(PRIVATE_EXPEDITED) failed (\(result)) after registration")
        }
        stressPoint(.fencedBeforeLoads)
        // ORDERING: acquire; a value newer than this only makes the answer more conservative.
        var oldest = counter.pointee.load(ordering: .acquiring)
        if plantedFault == .ignoresReaders { return oldest }
        registry.forEach { record in
            stressPoint(.censusBetweenRecords)
            // ORDERING[GP-E2]: acquire pairs with the release that cleared or advanced it.
            let word = GracePeriodRecord.word(of: record).pointee.load(ordering: .acquiring)
            if word != 0 && word < oldest { oldest = word }
        }
        return oldest
    }

    /// Waits (spin, yield, sleep) until the grace period `cookie` is complete.
    func wait(for cookie: UInt64) {
        var backoff = Backoff()
        while completedThrough() < cookie {
            stressPoint(.gracePeriodWait)
            backoff.wait()
        }
    }
}

/// Per-thread state shared by qsbr and rcu: the word (first in the hot block's scheme
/// area) and the thread's bags (owner-only).
@usableFromInline
class GracePeriodRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; `bags` is owner-only, `word` is an atomic.
    /// The word, in the hot block (which lives as long as the record).
    @inlinable final var word: UnsafeMutablePointer<Atomic<UInt64>> { hot.scheme(Atomic<UInt64>.self) }
    /// Owner-only.
    final var bags: BagQueue

    init(domain: AnyObject, schemeID: String, bagCapacity: Int, eventCount: Int) {
        bags = BagQueue(capacity: bagCapacity)
        let hot = HotHeader.allocate(schemeBytes: MemoryLayout<Atomic<UInt64>>.stride)
        hot.bindSchemeArea(1) { Atomic<UInt64>(0) }
        super.init(domain: domain, schemeID: schemeID, hot: hot, eventCount: eventCount)
    }

    deinit {
        bags.freeStorage()
        word.deinitialize(count: 1)
    }

    /// The word of a record of either scheme (the registry hands out the base class).
    static func word(of record: ParticipantRecord) -> UnsafeMutablePointer<Atomic<UInt64>> {
        unsafeDowncast(record, to: GracePeriodRecord.self).word
    }
}
