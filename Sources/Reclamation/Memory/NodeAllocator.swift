#if !RECLAIMBENCH_NO_JEMALLOC
import CJemalloc
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Where nodes come from.
public enum NodeAllocatorKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// jemalloc's `mallocx`/`sdallocx` (sized free): the default and what results report.
    case jemalloc
    /// The system `malloc`/`free`. Sanitizers own `malloc`: under ASan or TSan nodes must
    /// come from here, or the sanitizer never sees them freed.
    case system

    /// `RECLAIMBENCH_ALLOCATOR=system` selects the system allocator; anything else, jemalloc
    /// (the system allocator in a build without jemalloc, see Package.swift).
    public static let processDefault: NodeAllocatorKind = {
        guard isJemallocLinked, let value = getenv("RECLAIMBENCH_ALLOCATOR") else {
            return isJemallocLinked ? .jemalloc : .system
        }
        return NodeAllocatorKind(rawValue: String(cString: value)) ?? .jemalloc
    }()

    /// False in a build made with `RECLAIMBENCH_ALLOCATOR=system` (sanitizer runs).
    public static var isJemallocLinked: Bool {
        #if RECLAIMBENCH_NO_JEMALLOC
        false
        #else
        true
        #endif
    }
}

/// Allocates and frees node memory, 16-byte aligned, with one allocator used consistently:
/// every scheme's nodes come from here (jemalloc's sized path unless the configuration says
/// otherwise), and so may an outside scheme's — `NodeAllocator(configuration.allocator)`.
public struct NodeAllocator: Sendable {
    public let kind: NodeAllocatorKind

    public init(_ kind: NodeAllocatorKind) {
        precondition(kind == .system || NodeAllocatorKind.isJemallocLinked,
                     "this build has no jemalloc (built with RECLAIMBENCH_ALLOCATOR=system); use the system allocator")
        self.kind = kind
    }

    /// `bytes` of uninitialized memory, 16-byte aligned. Traps when memory is exhausted.
    public func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let memory: UnsafeMutableRawPointer?
        #if RECLAIMBENCH_NO_JEMALLOC
        memory = malloc(bytes)
        #else
        switch kind {
        case .jemalloc: memory = mallocx(bytes, 0)  // flags 0: default alignment ≥ 16 for ≥ 16 bytes
        case .system: memory = malloc(bytes)  // glibc: 16-byte aligned on x86-64
        }
        #endif
        guard let memory else { fatalError("node allocation of \(bytes) bytes failed: out of memory") }
        return memory
    }

    /// Frees memory from `allocate(bytes:)` with the same `bytes`.
    public func free(_ memory: UnsafeMutableRawPointer, bytes: Int) {
        #if RECLAIMBENCH_NO_JEMALLOC
        Glibc.free(memory)
        #else
        switch kind {
        case .jemalloc: sdallocx(memory, bytes, 0)
        case .system: Glibc.free(memory)
        }
        #endif
    }

    /// The size class the allocator really hands out for `bytes` (jemalloc's `nallocx`).
    static func sizeClass(bytes: Int, kind: NodeAllocatorKind) -> Int {
        #if !RECLAIMBENCH_NO_JEMALLOC
        if kind == .jemalloc { return nallocx(bytes, 0) }
        #endif
        return max(32, (bytes + 8 + 15) & ~15)  // glibc: 8-byte header, 16-byte chunks
    }
}

/// Memory aligned to a cache-line pair (128 bytes: the adjacent-line prefetcher pulls
/// lines in pairs), zeroed, for per-thread and per-CPU records that must not share lines.
@usableFromInline
enum CacheAlignedMemory {
    @inlinable static var alignment: Int { 128 }

    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let rounded = (bytes + alignment - 1) & ~(alignment - 1)
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, alignment, rounded) == 0, let memory else {
            fatalError("aligned allocation of \(rounded) bytes failed")
        }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: rounded)
        return memory
    }

    static func free(_ memory: UnsafeMutableRawPointer) { Glibc.free(memory) }
}
