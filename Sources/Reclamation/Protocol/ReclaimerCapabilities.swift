/// What a scheme can do, declared statically and tested by the conformance suite.
/// Members are computed and `@inlinable` so that `R.capabilities.contains(…)` folds to a
/// constant in specialized code (the list picks its traversal that way).
@frozen
public struct ReclaimerCapabilities: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A stalled reader cannot make pending garbage exceed `garbageBound(retiresPerGuard:)`.
    @inlinable public static var boundedGarbage: ReclaimerCapabilities { ReclaimerCapabilities(rawValue: 1 << 0) }
    /// A protection may be detached and released on another thread (`Guard.detach`).
    @inlinable public static var crossThreadRelease: ReclaimerCapabilities { ReclaimerCapabilities(rawValue: 1 << 1) }
    /// `synchronize()` waits for every reader that existed when it was called.
    @inlinable public static var blockingSynchronize: ReclaimerCapabilities { ReclaimerCapabilities(rawValue: 1 << 2) }
    /// Threads must announce quiescent states (`Participant.quiescentState()`).
    @inlinable public static var needsQuiescentStates: ReclaimerCapabilities { ReclaimerCapabilities(rawValue: 1 << 3) }
    /// A structure may traverse marked nodes without re-validation (Harris's original list
    /// under EBR/RCU): whatever a guard reached stays allocated until the guard ends.
    @inlinable public static var optimisticTraversal: ReclaimerCapabilities { ReclaimerCapabilities(rawValue: 1 << 4) }
    /// Nodes free themselves when their last reference goes (reference counting).
    @inlinable public static var automatic: ReclaimerCapabilities { ReclaimerCapabilities(rawValue: 1 << 5) }
    /// A link carries a mark bit beside its address (logical deletion in Harris–Michael
    /// lists). arc's strong references have none.
    @inlinable public static var markedLinks: ReclaimerCapabilities { ReclaimerCapabilities(rawValue: 1 << 6) }

    /// Every capability with its command-line name, in a fixed order.
    public static let all: [(ReclaimerCapabilities, String)] = [
        (.boundedGarbage, "bounded-garbage"),
        (.crossThreadRelease, "cross-thread-release"),
        (.blockingSynchronize, "blocking-synchronize"),
        (.needsQuiescentStates, "needs-quiescent-states"),
        (.optimisticTraversal, "optimistic-traversal"),
        (.automatic, "automatic"),
        (.markedLinks, "marked-links"),
    ]

    /// The names of the capabilities present, in the fixed order.
    public var names: [String] { Self.all.filter { contains($0.0) }.map(\.1) }

    public var description: String { names.isEmpty ? "-" : names.joined(separator: " ") }
}
