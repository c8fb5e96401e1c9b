import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Lets a background thread sleep until there is work, without a system call on the
/// producers' side unless it actually sleeps (a mutex and condition variable, entered only
/// by a sleeper and by whoever wakes one).
final class WakeSignal: @unchecked Sendable {
    // SAFETY: the pthread objects live in memory owned here; `sleeping` is an atomic.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let sleeping = Atomic<Bool>(false)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Wakes the sleeper, if there is one. Call after publishing the work.
    func wake() {
        // ORDERING[WAKE-E1]: the fence orders the caller's publication of work before the
        // load of `sleeping`; the sleeper fences between setting it and looking for work.
        // One of the two sees the other: no lost wake-up (a timeout covers the rest).
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard sleeping.load(ordering: .relaxed) else { return }
        pthread_mutex_lock(mutex)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Sleeps up to `nanoseconds` unless `ready()` says there is work.
    func sleep(nanoseconds: Int, unless ready: () -> Bool) {
        pthread_mutex_lock(mutex)
        sleeping.store(true, ordering: .relaxed)
        atomicMemoryFence(ordering: .sequentiallyConsistent)  // ORDERING[WAKE-E1]
        if !ready() {
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let total = Int(deadline.tv_nsec) + nanoseconds
            deadline.tv_sec += total / 1_000_000_000
            deadline.tv_nsec = total % 1_000_000_000
            pthread_cond_timedwait(condition, mutex, &deadline)
        }
        sleeping.store(false, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
    }
}
