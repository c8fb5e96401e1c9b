import CReclaimSupport
import LockFreeStructures
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The deleter of timed nodes: reads the retire time a structure stamped into the node,
/// records now − then, frees the node. Only nodes retired inside the measured window are
/// recorded (their frees may come later, in the drain: that is part of their latency).
@usableFromInline
final class RetireRecorder: @unchecked Sendable {
    // SAFETY: samples go to distinct indices claimed atomically and are read after every
    // free has run (after drain()).
    //
    // Claims are per CPU: the CPU a free runs on takes its slots from a chunk of its own,
    // and only a chunk's claim touches the shared counter. One shared counter (an earlier
    // version) was the harness's cost, not the scheme's: in a 2-thread reclaim-latency
    // hash-map cell its `lock cmpxchg` held 11 % of all samples (`perf record -e
    // cpu-clock`, ebr), more than ebr's own retire and free path, and it grew with how
    // evenly the scheme spread its frees over threads. The chunks share one pool, so a
    // scheme that frees on one thread (rcu's reclaimer) keeps the whole capacity.
    private let memory: UnsafeMutableRawPointer
    private let mappedBytes: Int
    /// Each kept sample is latency + 1; 0 is a slot never written (a chunk's unused tail).
    private let samples: UnsafeMutablePointer<UInt64>
    @usableFromInline let capacity: Int
    private let stripes: Int
    private let windowStart = Atomic<UInt64>(UInt64.max)
    private let windowEnd = Atomic<UInt64>(UInt64.max)
    /// Bytes from a node's payload to its stamp.
    private let stampOffset: Int
    /// Frees a node once it is recorded. Called through `Unmanaged` beside a strong
    /// reference (`freerOwner`), so a free costs no retain and release: a closure stored here (an
    /// earlier version) retained and released its context on every free, a reference count
    /// that every freeing thread wrote — 9 % of a 2-thread reclaim-latency cell's samples in
    /// `swift_release` (perf, ebr), the harness's cost and not the scheme's.
    private let freer: Unmanaged<RecordedNodeFreer>
    private let freerOwner: RecordedNodeFreer
    /// One 128-byte line per stripe (its cursor at 0, its overflow at 8), then the pool's
    /// counter on a line of its own.
    private static let lineBytes = 128
    private static let chunk = 1024

    /// Frees each node with `domain.deallocate(_, layout)` after recording it.
    @usableFromInline
    init<R: Reclaimer>(capacity: Int, stampOffset: Int, domain: R, layout: NodeLayout) {
        self.stampOffset = stampOffset
        let freer = DomainNodeFreer(domain: domain, layout: layout)
        self.freer = Unmanaged.passUnretained(freer)
        freerOwner = freer
        stripes = max(1, min(Int(rs_configured_cpus()), 256))
        self.capacity = max(Self.chunk, (capacity + Self.chunk - 1) / Self.chunk * Self.chunk)
        // From mmap, not malloc: the samples must not count in jemalloc's allocated bytes,
        // which the cell reports as the scheme's memory. Pages are touched only as used.
        let lines = (stripes + 1) * Self.lineBytes
        mappedBytes = lines + self.capacity * 8
        let mapped = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else { fatalError("cannot map \(mappedBytes) bytes for latency samples") }
        memory = mapped
        for line in 0...stripes {
            let words = (mapped + line * Self.lineBytes).bindMemory(to: Atomic<Int>.self, capacity: 2)
            words.initialize(to: Atomic(0))
            (words + 1).initialize(to: Atomic(0))
        }
        samples = (mapped + lines).bindMemory(to: UInt64.self, capacity: self.capacity)
    }

    deinit { munmap(memory, mappedBytes) }

    /// Word `word` of line `line` (a stripe's, or the pool's at `stripes`).
    private func counter(_ line: Int, _ word: Int = 0) -> UnsafeMutablePointer<Atomic<Int>> {
        (memory + line * Self.lineBytes).assumingMemoryBound(to: Atomic<Int>.self) + word
    }

    /// A sample slot for a free on `stripe`'s CPU, or nil when the pool is used up.
    /// The stripe's cursor is the next slot of its chunk; at a chunk boundary (and at 0,
    /// before its first chunk) the stripe takes a fresh chunk from the pool. A thread that
    /// loses that race leaves its chunk unused (zeros, skipped by `collected()`).
    private func claim(_ stripe: Int) -> Int? {
        let cursor = counter(stripe)
        // ORDERING: relaxed throughout; slot claims only (the samples are read after
        // every free ran).
        var current = cursor.pointee.load(ordering: .relaxed)
        while true {
            if current & (Self.chunk - 1) != 0 {
                let (won, seen) = cursor.pointee.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
                if won { return current }
                current = seen
                continue
            }
            let pool = counter(stripes)
            if pool.pointee.load(ordering: .relaxed) >= capacity { return nil }
            let base = pool.pointee.wrappingAdd(Self.chunk, ordering: .relaxed).oldValue
            if base >= capacity { return nil }
            let (won, seen) = cursor.pointee.compareExchange(expected: current, desired: base + 1, ordering: .relaxed)
            if won { return base }
            current = seen
        }
    }

    /// The timing a structure retires with; its stamp lands `stampInData` bytes into the
    /// node's data (the structure decides; this recorder's `stampOffset` must match).
    @usableFromInline
    func timing(stampInData: Int) -> RetireTiming {
        RetireTiming(deleter: NodeDeleter({ node, context in
            Unmanaged<RetireRecorder>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.freed(node) }
        }, context: Unmanaged.passUnretained(self).toOpaque()), stampOffset: stampInData)
    }

    @usableFromInline
    func openWindow(at nanoseconds: UInt64) { windowStart.store(nanoseconds, ordering: .relaxed) }
    @usableFromInline
    func closeWindow(at nanoseconds: UInt64) { windowEnd.store(nanoseconds, ordering: .relaxed) }

    private func freed(_ node: UnsafeMutableRawPointer) {
        let stamp = (node + stampOffset).load(as: UInt64.self)
        let now = RetireTiming.now()
        // ORDERING: relaxed; window bounds are set long before the nodes they admit retire.
        if stamp >= windowStart.load(ordering: .relaxed) && stamp <= windowEnd.load(ordering: .relaxed) {
            let cpu = Int(rs_sched_getcpu())
            let stripe = cpu >= 0 ? cpu % stripes : 0
            if let index = claim(stripe) {
                samples[index] = (now &- stamp) &+ 1
            } else {
                counter(stripe, 1).pointee.wrappingAdd(1, ordering: .relaxed)  // ORDERING: a count
            }
        }
        freer._withUnsafeGuaranteedRef { $0.free(node) }
    }

    /// The recorded latencies (after every free ran) and how many did not fit.
    @usableFromInline
    func collected() -> (samples: [UInt64], overflow: Int) {
        // ORDERING: relaxed; every free ran before this (the caller drained the domain).
        let used = min(counter(stripes).pointee.load(ordering: .relaxed), capacity)
        var result: [UInt64] = []
        result.reserveCapacity(used)
        for index in 0..<used where samples[index] != 0 { result.append(samples[index] &- 1) }
        let overflow = (0..<stripes).reduce(0) { $0 + counter($1, 1).pointee.load(ordering: .relaxed) }
        return (result, overflow)
    }
}

/// What a `RetireRecorder` frees its nodes with (a class, so that `Unmanaged` can call it
/// without a retain).
class RecordedNodeFreer {
    func free(_ node: UnsafeMutableRawPointer) { fatalError("RecordedNodeFreer.free is abstract") }
}

/// Frees through the cell's domain, with the structure's layout.
final class DomainNodeFreer<R: Reclaimer>: RecordedNodeFreer {
    let domain: R
    let layout: NodeLayout
    init(domain: R, layout: NodeLayout) { self.domain = domain; self.layout = layout }
    override func free(_ node: UnsafeMutableRawPointer) { domain.deallocate(node, layout) }
}
