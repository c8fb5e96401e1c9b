/// What a scheme can do, declared statically and tested by the conformance suite.
public struct ReclaimerCapabilities: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A stalled reader cannot make pending garbage exceed `garbageBound(retiresPerGuard:)`.
    public static let boundedGarbage = ReclaimerCapabilities(rawValue: 1 << 0)
    /// A protection may be detached and released on another thread (`Guard.detach`).
    public static let crossThreadRelease = ReclaimerCapabilities(rawValue: 1 << 1)
    /// `synchronize()` waits for every reader that existed when it was called.
    public static let blockingSynchronize = ReclaimerCapabilities(rawValue: 1 << 2)
    /// Threads must announce quiescent states (`Participant.quiescentState()`).
    public static let needsQuiescentStates = ReclaimerCapabilities(rawValue: 1 << 3)
    /// A structure may traverse marked nodes without re-validation (Harris's original list
    /// under EBR/RCU): whatever a guard reached stays allocated until the guard ends.
    public static let optimisticTraversal = ReclaimerCapabilities(rawValue: 1 << 4)
    /// Nodes free themselves when their last reference goes (reference counting).
    public static let automatic = ReclaimerCapabilities(rawValue: 1 << 5)

    /// Every capability with its command-line name, in a fixed order.
    public static let all: [(ReclaimerCapabilities, String)] = [
        (.boundedGarbage, "bounded-garbage"),
        (.crossThreadRelease, "cross-thread-release"),
        (.blockingSynchronize, "blocking-synchronize"),
        (.needsQuiescentStates, "needs-quiescent-states"),
        (.optimisticTraversal, "optimistic-traversal"),
        (.automatic, "automatic"),
    ]

    /// The names of the capabilities present, in the fixed order.
    public var names: [String] { Self.all.filter { contains($0.0) }.map(\.1) }

    public var description: String { names.isEmpty ? "-" : names.joined(separator: " ") }
}
