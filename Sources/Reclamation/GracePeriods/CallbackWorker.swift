internal import ReclaimBenchSupport
import Synchronization

/// rcu's reclaimer thread (liburcu's call_rcu thread): threads queue full bags; the worker
/// takes everything queued, waits one grace period for all of it, and frees it. Its queue
/// has one consumer, so rounds are processed in order, which is what `barrier()` relies on.
/// With a grace-period interval (`gp_interval_us`), a round starts no sooner than that
/// long after the previous one started: the bags queued meanwhile share its grace period,
/// and so its membarrier (an IPI to every CPU running the process — 7 % of a 2-thread
/// read-mostly cell's samples here at ~480 grace periods a second; scripts/profile-cell.sh).
final class CallbackWorker: @unchecked Sendable {
    // SAFETY: shared state is atomics, the lock-free stack and the wake signal; `thread`
    // is written by init and read by stop() on the domain's thread.
    let queue = GarbageStack()
    /// Nodes queued and not yet freed.
    let backlog = Atomic<Int>(0)
    let peakBacklog = Atomic<Int>(0)
    /// Nodes the worker freed, and the grace periods it waited for.
    let freed = Atomic<UInt64>(0)
    let rounds = Atomic<UInt64>(0)
    /// Rounds that waited for the grace-period interval to pass first.
    let batchedRounds = Atomic<UInt64>(0)
    private let stopping = Atomic<Bool>(false)
    private let signal = WakeSignal()
    private let core: GracePeriodCounter
    private let allocator: NodeAllocator
    private let intervalNanoseconds: UInt64
    private var thread: JoinableThread?

    init(core: GracePeriodCounter, allocator: NodeAllocator, gracePeriodInterval microseconds: Int) {
        self.core = core
        self.allocator = allocator
        intervalNanoseconds = UInt64(microseconds) * 1000
        thread = JoinableThread { [self] in run() }
    }

    /// Queues a chain of bags holding `count` nodes.
    func enqueue(first: GarbageBatch, last: GarbageBatch, count: Int) {
        let now = backlog.add(count, ordering: .relaxed).newValue  // ORDERING: a gauge
        var peak = peakBacklog.load(ordering: .relaxed)
        while now > peak {
            let (exchanged, original) = peakBacklog.compareExchange(expected: peak, desired: now, ordering: .relaxed)
            if exchanged { break }
            peak = original
        }
        queue.push(first: first, last: last)
        signal.wake()
    }

    /// Waits until every bag queued before the call has been freed: queues a marker (a bag
    /// of capacity 0) and waits for the round that carries it to finish.
    func barrier() {
        let marker = GarbageBatch.allocate(capacity: 0)
        let done = marker.markerFlag
        done.initialize(to: Atomic(0))
        queue.push(marker)
        signal.wake()
        var backoff = Backoff()
        // ORDERING[WORKER-E1]: acquire pairs with the worker's release after the round.
        while done.pointee.load(ordering: .acquiring) == 0 { backoff.wait() }
        done.deinitialize(count: 1)
        marker.free()
    }

    /// Asks the worker to look at its queue now.
    func wake() { signal.wake() }

    /// Stops the worker after it has freed everything queued so far.
    func stop() {
        stopping.store(true, ordering: .releasing)
        signal.wake()
        thread?.join()
        thread = nil
    }

    private func run() {
        var lastStart: UInt64 = 0
        while true {
            if intervalNanoseconds > 0 && !queue.isEmpty {
                // Batching: let the queue fill until the interval has passed (a plain sleep,
                // so queueing threads make no system call to wake a worker that waits on
                // purpose; stop() and barrier() wait at most one interval longer).
                let now = monotonicNanoseconds()
                // ORDERING: relaxed; stopping only shortens the wait (the exit below re-reads
                // it with acquire).
                if now &- lastStart < intervalNanoseconds && !stopping.load(ordering: .relaxed) {
                    sleepNanoseconds(intervalNanoseconds - (now &- lastStart))
                    batchedRounds.add(1, ordering: .relaxed)  // ORDERING: a statistic
                }
            }
            guard let round = queue.popAll() else {
                if stopping.load(ordering: .acquiring) && queue.isEmpty { return }
                signal.sleep(nanoseconds: 10_000_000) { !queue.isEmpty || stopping.load(ordering: .relaxed) }
                continue
            }
            // One grace period for the whole round: every bag in it was queued, after its
            // nodes were unlinked, before this start().
            if intervalNanoseconds > 0 { lastStart = monotonicNanoseconds() }
            core.wait(for: core.start())
            rounds.add(1, ordering: .relaxed)  // ORDERING: a statistic
            var count = 0
            var markers: [GarbageBatch] = []
            var batch: GarbageBatch? = round
            while let current = batch {
                batch = current.next
                if current.capacity == 0 {
                    markers.append(current)  // the barrier's caller frees it
                } else {
                    count += current.reclaim(headerBytes: 0, allocator: allocator) { _ in false }
                    current.free()
                }
            }
            backlog.subtract(count, ordering: .relaxed)  // ORDERING: a gauge
            freed.add(UInt64(count), ordering: .releasing)  // ORDERING: pairs with statistics' acquire
            // ORDERING[WORKER-E1]: release; the barrier's caller sees every free of the round.
            for marker in markers { marker.markerFlag.pointee.store(1, ordering: .releasing) }
        }
    }
}

extension GarbageBatch {
    /// A marker's completion flag (its tag word, as an atomic).
    var markerFlag: UnsafeMutablePointer<Atomic<UInt64>> {
        // SAFETY: markers have no entries; the tag word is only used as this flag.
        (base + 24).assumingMemoryBound(to: Atomic<UInt64>.self)
    }
}
