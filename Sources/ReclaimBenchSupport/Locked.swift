#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex. Used instead of Synchronization's `Mutex` wherever
/// threads share state in this project: ThreadSanitizer intercepts pthread mutexes, but
/// not the futex-based `Mutex` (its lock lives in the uninstrumented standard library), so
/// every access under `Mutex` was reported as a race. Never on a read path.
public final class Locked<Value: ~Copyable>: @unchecked Sendable {
    // SAFETY: `value` is only touched between lock and unlock of `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: consuming Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result: ~Copyable>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
