#if canImport(Glibc)
import Glibc
#endif

/// A plain OS thread. Workloads run on these, not on Swift tasks: a participant belongs to
/// one thread for its whole life, and a task may change threads at any suspension point.
/// (rcu's reclaimer thread is one too.)
public final class JoinableThread: @unchecked Sendable {
    // SAFETY: `handle` is written once by init and read by join() on the creating thread.
    private var handle = pthread_t()
    private var joined = false

    /// Starts `body` on a new thread.
    public init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        let result = pthread_create(&handle, nil, { argument in
            let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            fatalError("pthread_create failed: \(String(cString: strerror(result)))")
        }
    }

    /// Waits for the thread to end.
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(handle, nil)
    }

    deinit { if !joined { pthread_detach(handle) } }
}

private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// An unsafe pointer that may cross threads: the code that shares it argues its safety.
public struct SharedPointer<Pointee: ~Copyable>: @unchecked Sendable {
    // SAFETY: a plain address; every use names the invariant that makes it valid.
    public let pointer: UnsafeMutablePointer<Pointee>
    public init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
}

/// A small deterministic generator (SplitMix64): workloads and tests draw from it so that
/// a seed reproduces a run's choices.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state: a seed that continues the sequence (the stress model
    /// keeps it in C thread-local storage between draws).
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    /// `@inlinable`: the cells draw one per operation from another module.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<bound without `%` bias worth caring about here (Lemire's method).
    @inlinable public mutating func below(_ bound: Int) -> Int {
        Self.scaled(next() >> 32, below: UInt64(bound))
    }

    /// The low 32 bits of `bits` scaled onto 0..<bound (Lemire's multiply-shift, no
    /// division): `below`'s arithmetic, for a loop that keeps the draw for other uses too.
    @inlinable @inline(__always)
    public static func scaled(_ bits: UInt64, below bound: UInt64) -> Int {
        Int(truncatingIfNeeded: ((bits & 0xFFFF_FFFF) &* bound) >> 32)
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the one clock the harness, the workloads and torture
/// read (windows, deadlines, sleeps measured).
public enum MonotonicClock {
    @inlinable
    public static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
