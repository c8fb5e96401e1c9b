import Synchronization

/// The garbage a domain owns rather than a thread: what threads handed over when they
/// flushed or left (hp, none), or sealed bags nobody else will free (ebr). Also the
/// domain-level counters of frees done outside any participant, and the pending peak.
@usableFromInline
struct DomainGarbage: ~Copyable {
    let stack = GarbageStack()
    /// Threads between `popAll` and pushing back what they could not free; `drain()` waits
    /// for zero so that it never returns while another collector holds nodes in hand.
    private let collectorsInFlight = Atomic<Int>(0)
    /// Frees done by `collect()`/`drain()` outside a participant.
    let freedOutsideParticipants = Atomic<UInt64>(0)
    /// Largest pending count seen at a reclamation attempt.
    let peakPending = Atomic<UInt64>(0)

    init() {}

    /// Hands a batch to the domain.
    func give(_ batch: GarbageBatch) {
        if batch.count == 0 { batch.free() } else { stack.push(batch) }
    }

    /// Pops every batch, lets `reclaim` free what it can from each, frees emptied batches
    /// and pushes the others back. Returns the number of nodes freed.
    func process(_ reclaim: (GarbageBatch) -> Int) -> Int {
        // ORDERING[GARBAGE-E1]: the increment is sequenced before popAll (acq_rel), so a
        // drain that sees the stack emptied (acquire) sees this increment; the decrement
        // follows the push-back (release side of seq_cst), so a drain that sees zero then
        // sees what was pushed back.
        collectorsInFlight.add(1, ordering: .sequentiallyConsistent)
        defer { collectorsInFlight.subtract(1, ordering: .sequentiallyConsistent) }
        guard var current = stack.popAll() else { return 0 }
        var freed = 0
        var keptFirst: GarbageBatch?, keptLast: GarbageBatch?
        while true {
            let next = current.next
            freed += reclaim(current)
            if current.count == 0 {
                current.free()
            } else {
                current.next = keptFirst
                keptFirst = current
                if keptLast == nil { keptLast = current }
            }
            guard let next else { break }
            current = next
        }
        if let keptFirst, let keptLast { stack.push(first: keptFirst, last: keptLast) }
        if freed > 0 {
            freedOutsideParticipants.add(UInt64(freed), ordering: .relaxed)  // ORDERING: a statistic
        }
        return freed
    }

    /// True when no batch is held by the domain or by a collector in flight.
    var isSettled: Bool {
        // ORDERING[GARBAGE-E1]: empty, then no collector in flight, then still empty.
        stack.isEmpty && collectorsInFlight.load(ordering: .sequentiallyConsistent) == 0 && stack.isEmpty
    }

    /// `drain()`'s loop: collect until nothing is held, waiting between tries.
    func drain(collecting collect: () -> Void) {
        var backoff = Backoff()
        while true {
            collect()
            if isSettled { return }
            backoff.wait()
        }
    }

    /// Records the current backlog (retired − freed over `registry`) if it is the largest seen.
    func notePending(in registry: ParticipantRegistry) {
        let (retired, freed) = registry.sumCounters()
        let total = freed &+ freedOutsideParticipants.load(ordering: .acquiring)
        notePending(retired >= total ? retired - total : 0)
    }

    /// Frees every node regardless of readers: only when no participant can exist (deinit).
    func freeEverything(headerBytes: Int, allocator: NodeAllocator) {
        var batch = stack.popAll()
        while let current = batch {
            batch = current.next
            _ = current.reclaim(headerBytes: headerBytes, allocator: allocator) { _ in false }
            current.free()
        }
    }

    /// Records `pending` if it is the largest seen.
    func notePending(_ pending: UInt64) {
        // ORDERING: relaxed; a statistic.
        peakPending.max(pending, ordering: .relaxed)
    }
}
