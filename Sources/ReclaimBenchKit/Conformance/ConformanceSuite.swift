import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The checks every scheme, present and future, must pass unchanged. Each returns a report
/// instead of asserting, so that the same code proves a correct scheme right and a planted
/// broken one wrong (the tests assert both).
public enum ConformanceCheck: String, CaseIterable, Sendable, CustomStringConvertible {
    /// 1. Retire then drain frees every node exactly once; the thread's live bytes return.
    case retireThenDrain = "retire-then-drain"
    /// 2. A node protected by one thread survives another's unlink, retire, collect, flush;
    ///    and a node the retiring thread's own guard still holds survives its flushes
    ///    inside that guard.
    case protectionOutlivesRetire = "protection-outlives-retire"
    /// 3. Concurrent replace/read on a slot array: no poisoned or freed node is ever read.
    case concurrentStress = "concurrent-stress"
    /// 4. A thread that leaves with garbage pending loses nothing.
    case threadExitLosesNothing = "thread-exit-loses-nothing"
    /// 5. A protection detached on one thread and released on another holds until released.
    case handOff = "hand-off"
    /// 6. A stalled reader: pending stays under the declared bound (or the growth is recorded).
    case boundedGarbage = "bounded-garbage"
    /// 7. The read path (guard + protect + read) allocates nothing.
    case readPathAllocatesNothing = "read-path-allocates-nothing"
    /// 8. `synchronize()` does not return while a reader that was inside before the call
    ///    is still inside (schemes with `.blockingSynchronize`).
    case synchronizeWaitsForReaders = "synchronize-waits-for-readers"

    public var description: String { rawValue }
}

/// What a check found.
public struct ConformanceReport: Sendable, CustomStringConvertible {
    public let check: ConformanceCheck
    public let scheme: String
    /// Broken promises; empty means the scheme passed.
    public var violations: [String] = []
    /// Figures worth reporting (counts, bounds, growth), one line each.
    public var figures: [String] = []
    /// True when the check does not apply (capability not claimed) or cannot measure here.
    public var notApplicable: String?

    public var passed: Bool { violations.isEmpty }

    public var description: String {
        var lines = ["\(scheme) \(check): " + (notApplicable.map { "n/a (\($0))" } ?? (passed ? "passed" : "FAILED"))]
        lines += violations.map { "  violation: \($0)" }
        lines += figures.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}

public enum Conformance {
    /// Runs `check` on domains made by `make` (a fresh domain per run).
    public static func run<R: Reclaimer>(_ check: ConformanceCheck, make: @escaping @Sendable () -> R) -> ConformanceReport {
        switch check {
        case .retireThenDrain: retireThenDrain(make)
        case .protectionOutlivesRetire: protectionOutlivesRetire(make)
        case .concurrentStress: concurrentStress(make)
        case .threadExitLosesNothing: threadExitLosesNothing(make)
        case .handOff: handOff(make)
        case .boundedGarbage: boundedGarbage(make)
        case .readPathAllocatesNothing: readPathAllocatesNothing(make)
        case .synchronizeWaitsForReaders: synchronizeWaitsForReaders(make)
        }
    }
}
