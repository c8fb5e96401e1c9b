import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The cell's sampler thread: pending nodes every 1 ms, jemalloc's memory (a `mallctl
/// epoch` refresh, which takes arena locks) and runnable threads every 10 ms. It also
/// enforces the memory cap. Its own cost is measured by the cells that run without it.
final class Sampler: @unchecked Sendable {
    // SAFETY: `points` and the aggregates are written by the sampler thread only and read
    // after `stop()` joined it.
    private(set) var points: [SeriesPoint] = []
    private(set) var runnableSamples: [Int] = []
    private let running = Atomic<Bool>(true)
    private var thread: JoinableThread?

    /// Starts sampling `pending` now (t = 0); calls `overCap` once if allocated bytes pass `capBytes`.
    init(pending: @escaping @Sendable () -> UInt64, capBytes: Int, enabled: Bool, overCap: @escaping @Sendable () -> Void) {
        guard enabled else { return }
        points.reserveCapacity(4096)
        thread = JoinableThread { [self] in
            let start = Self.nowNanoseconds()
            var tick = 0, allocated = 0, resident = 0, capped = false
            // At least one sample, however late the thread is scheduled: on a loaded machine
            // a short window could close before a `while` loop's first look at the flag (a
            // 50 ms release-test cell came back with no series at all).
            repeat {
                if tick % 10 == 0 {
                    if let snapshot = AllocatorStatistics.snapshot() {
                        allocated = snapshot.allocated
                        resident = snapshot.resident
                        if allocated > capBytes && !capped {
                            capped = true
                            overCap()
                        }
                    }
                    runnableSamples.append(SystemStatistics.read().procsRunning)
                }
                let milliseconds = Double(Self.nowNanoseconds() - start) / 1e6
                points.append(SeriesPoint(milliseconds: milliseconds, unreclaimed: pending(),
                                          allocatedBytes: allocated, residentBytes: resident))
                tick += 1
                var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
                nanosleep(&pause, nil)
            } while running.load(ordering: .relaxed)  // ORDERING: a stop flag
        }
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        thread?.join()
        thread = nil
    }

    static func nowNanoseconds() -> UInt64 { MonotonicClock.nanoseconds() }
}
