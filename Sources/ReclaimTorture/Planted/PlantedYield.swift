import ReclaimBenchSupport
import ReclaimBenchKit
import Reclamation

/// The injected yield point of a planted (deliberately broken) scheme.
///
/// Each planted scheme calls `reached(_:)` inside its fault's window — after loading a node
/// and before protecting it, say — on every `every`-th pass. The torture test installs a
/// hook that holds the calling thread there until the node has been freed (or an operation
/// budget of writer replacements has passed). So the fault fires on a schedule set by
/// operations, not by luck with timing: it is caught within a fixed budget whatever the
/// machine's speed (liburcu's `DEBUG_YIELD` and rcutorture's injected delays, made
/// deterministic). Without a hook installed, `reached` does nothing.
public enum PlantedYield {
    /// A pass through a fault window every this many times (per participant).
    public static let every = 32

    static let hook = Locked<(@Sendable (UnsafeMutableRawPointer) -> Void)?>(nil)
    static let openHook = Locked<(@Sendable () -> Void)?>(nil)

    /// Installs `body` as the hook: it receives the node the caller holds in the window.
    /// `opened` hears of faults that need no waiting (they fire every time they are
    /// reached, a hand-off left in the wrong record, say).
    public static func install(_ body: @escaping @Sendable (UnsafeMutableRawPointer) -> Void,
                               opened: @escaping @Sendable () -> Void = {}) {
        hook.withLock { $0 = body }
        openHook.withLock { $0 = opened }
    }

    public static func remove() {
        hook.withLock { $0 = nil }
        openHook.withLock { $0 = nil }
    }

    /// Called by planted schemes whose fault fires without a wait.
    static func fired() {
        if let body = openHook.withLock({ $0 }) { body() }
    }

    /// Called by planted schemes inside their fault window.
    static func reached(_ node: UnsafeMutableRawPointer) {
        if let body = hook.withLock({ $0 }) { body(node) }
    }

    /// True on every `every`-th call for this counter.
    static func due(_ counter: inout Int) -> Bool {
        counter &+= 1
        return counter % every == 0
    }
}
