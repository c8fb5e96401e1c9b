import CReclaimSupport

/// jemalloc's view of memory, through `mallctl`.
///
/// Process-wide figures are a snapshot refreshed by `refresh()` (writing `epoch`, which
/// takes arena locks: the sampler does it every 10 ms, not per operation). The calling
/// thread's `thread.allocated` / `thread.deallocated` are exact and need no refresh; they
/// count `mallocx` as well as `malloc`.
public enum AllocatorStatistics {
    /// Process-wide bytes, as of the last `refresh()`.
    public struct Snapshot: Sendable, Hashable {
        /// Bytes handed to the application (`stats.allocated`).
        public var allocated: Int
        /// Bytes in active pages (`stats.active`).
        public var active: Int
        /// Bytes physically resident in jemalloc's mappings (`stats.resident`).
        public var resident: Int
    }

    /// True when jemalloc answers `mallctl` (it is linked).
    public static var isAvailable: Bool { rs_jemalloc_version() != nil }

    /// True when the process-wide `malloc` is jemalloc's (not glibc's or a sanitizer's).
    public static var mallocIsJemalloc: Bool { rs_malloc_is_jemalloc() != 0 }

    /// jemalloc's version, or nil.
    public static var version: String? { rs_jemalloc_version().map { String(cString: $0) } }

    /// The `MALLOC_CONF` environment value this process started with, or nil.
    public static var mallocConf: String? { rs_malloc_conf_environment().map { String(cString: $0) } }

    /// Refreshes and reads the process-wide figures; nil without jemalloc.
    public static func snapshot() -> Snapshot? {
        guard rs_jemalloc_refresh() == 0 else { return nil }
        var allocated = 0, active = 0, resident = 0
        guard rs_jemalloc_read_size("stats.allocated", &allocated) == 0,
              rs_jemalloc_read_size("stats.active", &active) == 0,
              rs_jemalloc_read_size("stats.resident", &resident) == 0
        else { return nil }
        return Snapshot(allocated: allocated, active: active, resident: resident)
    }

    /// The calling thread's lifetime allocated and deallocated bytes; nil without jemalloc.
    public static func threadCounters() -> (allocated: UInt64, deallocated: UInt64)? {
        // One C call with C string literals: passing Swift strings to mallctl would allocate
        // on this thread and disturb the very counters being read.
        var allocated: UInt64 = 0, deallocated: UInt64 = 0
        guard rs_jemalloc_thread_counters(&allocated, &deallocated) == 0 else { return nil }
        return (allocated, deallocated)
    }

    /// The calling thread's live bytes (allocated − deallocated), or nil.
    public static func threadLiveBytes() -> Int64? {
        threadCounters().map { Int64(bitPattern: $0.allocated &- $0.deallocated) }
    }

    /// The size class jemalloc (or, roughly, glibc) really hands out for `bytes`.
    public static func sizeClass(bytes: Int, allocator: NodeAllocatorKind) -> Int {
        NodeAllocator.sizeClass(bytes: bytes, kind: allocator)
    }
}
