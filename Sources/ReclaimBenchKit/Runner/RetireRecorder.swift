import LockFreeStructures
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The deleter of timed nodes: reads the retire time a structure stamped into the node,
/// records now − then, frees the node. Only nodes retired inside the measured window are
/// recorded (their frees may come later, in the drain: that is part of their latency).
final class RetireRecorder: @unchecked Sendable {
    // SAFETY: samples go to distinct indices claimed atomically and are read after every
    // free has run (after drain()).
    private let samples: UnsafeMutablePointer<UInt64>
    let capacity: Int
    private let next = Atomic<Int>(0)
    private let overflow = Atomic<Int>(0)
    private let windowStart = Atomic<UInt64>(UInt64.max)
    private let windowEnd = Atomic<UInt64>(UInt64.max)
    /// Bytes from a node's payload to its stamp.
    private let stampOffset: Int
    private let freeNode: @Sendable (UnsafeMutableRawPointer) -> Void

    init(capacity: Int, stampOffset: Int, freeNode: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.capacity = capacity
        self.stampOffset = stampOffset
        self.freeNode = freeNode
        // From mmap, not malloc: the samples must not count in jemalloc's allocated bytes,
        // which the cell reports as the scheme's memory. Pages are touched only as used.
        let memory = mmap(nil, capacity * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let memory, memory != MAP_FAILED else { fatalError("cannot map \(capacity * 8) bytes for latency samples") }
        samples = memory.bindMemory(to: UInt64.self, capacity: capacity)
    }

    deinit { munmap(samples, capacity * 8) }

    /// The timing a structure retires with; its stamp lands `stampInData` bytes into the
    /// node's data (the structure decides; this recorder's `stampOffset` must match).
    func timing(stampInData: Int) -> RetireTiming {
        RetireTiming(deleter: NodeDeleter({ node, context in
            Unmanaged<RetireRecorder>.fromOpaque(context!).takeUnretainedValue().freed(node)
        }, context: Unmanaged.passUnretained(self).toOpaque()), stampOffset: stampInData)
    }

    func openWindow(at nanoseconds: UInt64) { windowStart.store(nanoseconds, ordering: .relaxed) }
    func closeWindow(at nanoseconds: UInt64) { windowEnd.store(nanoseconds, ordering: .relaxed) }

    private func freed(_ node: UnsafeMutableRawPointer) {
        let stamp = (node + stampOffset).load(as: UInt64.self)
        let now = RetireTiming.now()
        // ORDERING: relaxed; window bounds are set long before the nodes they admit retire.
        if stamp >= windowStart.load(ordering: .relaxed) && stamp <= windowEnd.load(ordering: .relaxed) {
            let index = next.add(1, ordering: .relaxed).oldValue  // ORDERING: a slot claim
            if index < capacity { samples[index] = now &- stamp } else { overflow.add(1, ordering: .relaxed) }
        }
        freeNode(node)
    }

    /// The recorded latencies (after every free ran) and how many did not fit.
    func collected() -> (samples: [UInt64], overflow: Int) {
        let count = min(next.load(ordering: .relaxed), capacity)
        return (Array(UnsafeBufferPointer(start: samples, count: count)), overflow.load(ordering: .relaxed))
    }
}
