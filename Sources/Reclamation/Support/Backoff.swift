import CReclaimSupport
#if canImport(Glibc)
import Glibc
#endif

/// How blocking waits wait: spin a little (the reader is usually about to leave), then
/// yield the CPU, then sleep with a growing period up to 1 ms (liburcu's and the kernel's
/// waits do the same). Never used inside a guard.
@usableFromInline
struct Backoff {
    private var step = 0

    init() {}

    mutating func wait() {
        if step < 10 {
            for _ in 0..<(1 << step) { rs_cpu_relax() }
        } else if step < 20 {
            sched_yield()
        } else {
            let micros = min(1000, 1 << min(step - 20, 10))
            var request = timespec(tv_sec: 0, tv_nsec: micros * 1000)
            nanosleep(&request, nil)
        }
        step += 1
    }
}

/// Monotonic nanoseconds (CLOCK_MONOTONIC).
@usableFromInline
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// Sleeps at least `nanoseconds` (resuming after signals).
func sleepNanoseconds(_ nanoseconds: UInt64) {
    var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
