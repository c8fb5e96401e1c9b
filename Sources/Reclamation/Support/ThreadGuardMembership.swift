/// A building block for a scheme written outside the package: it puts the scheme's
/// participant on the calling thread's chain of participants (every domain's, see
/// `ThreadParticipants`), so that the contract's "a blocking call inside a guard of any
/// domain traps" holds across every domain in the process — the package's and the
/// outside scheme's alike. A scheme keeps one per participant: `enter()`/`leave()` around
/// its outermost guard, `trapIfInsideAnyGuard` at the top of `synchronize()`, `drain()`
/// and any other call that may block, and `depart()` when the participant leaves (on the
/// thread that created it).
public struct ThreadGuardMembership: ~Copyable {
    @usableFromInline let record: OutsideParticipantRecord
    @usableFromInline let depth: HotHeader

    /// Joins the calling thread's chain as a participant of `domain` (named `schemeID` in
    /// the trap's message).
    public init(domain: AnyObject, schemeID: String) {
        record = OutsideParticipantRecord(domain: domain, schemeID: schemeID, hot: .allocate(schemeBytes: 0), eventCount: 0)
        depth = record.hot
        ThreadParticipants.add(record)
    }

    /// The owner entered a guard (nesting allowed). Owner thread only.
    @inlinable public func enter() { depth.guardDepth &+= 1 }
    /// The owner left a guard. Owner thread only.
    @inlinable public func leave() { depth.guardDepth &-= 1 }
    /// Whether the owner is inside one of its guards.
    @inlinable public var isInsideGuard: Bool { depth.guardDepth > 0 }

    /// Leaves the thread's chain; call from the participant's deinit, on its thread.
    public func depart() {
        precondition(depth.guardDepth == 0, "\(record.schemeID): a participant left inside its own guard")
        ThreadParticipants.remove(record)
    }

    /// Traps when the calling thread is inside a guard of any domain (`scheme.operation` may
    /// block, and a grace period could wait for the caller itself).
    public static func trapIfInsideAnyGuard(_ operation: String, scheme: String) {
        ThreadParticipants.trapIfInsideGuard(operation, scheme: scheme)
    }
}

/// The record an outside scheme's participant puts on the thread's chain: only its guard
/// depth and identity are used.
@usableFromInline
final class OutsideParticipantRecord: ParticipantRecord, @unchecked Sendable {}
