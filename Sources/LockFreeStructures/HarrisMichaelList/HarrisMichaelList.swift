// Harris–Michael sorted list as a set/map of Int keys — see HarrisMichaelListAlgorithm
// for the algorithm, its citations and its orderings.

import Reclamation

/// A lock-free sorted map from Int keys to Int values (a set when values are ignored),
/// written once for every scheme that can run it.
public final class HarrisMichaelList<R: Reclaimer>: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the head is the scheme's atomic link, touched only
    // through guards; everything else is immutable after init.
    public let domain: R
    @usableFromInline let head: UnsafeMutablePointer<R.Link>
    @usableFromInline let shape: ListNodeShape
    @usableFromInline let fault: PlantedStructureFault
    @usableFromInline let hook: (@Sendable (StructureHookPoint) -> Void)?

    /// Slots a participant needs to use the list (hp: prev, curr, next).
    public static var slotsNeeded: Int { HarrisMichaelListAlgorithm<R>.slotsNeeded }

    /// An empty list whose nodes carry `payloadBytes` beyond key and value; with `timing`,
    /// unlinked nodes are retired timed (payloadBytes ≥ 8).
    public convenience init(domain: R, payloadBytes: Int = 0, timing: RetireTiming? = nil) {
        self.init(domain: domain, payloadBytes: payloadBytes, timing: timing, fault: .none, hook: nil)
    }

    /// A list with a planted fault and/or a hook that pauses operations, for tests.
    @_spi(Planted)
    public init(domain: R, payloadBytes: Int = 0, timing: RetireTiming? = nil, fault: PlantedStructureFault,
                hook: (@Sendable (StructureHookPoint) -> Void)? = nil) {
        if let reason = HarrisMichaelListKind.descriptor.unsupportedReason(R.self) {
            preconditionFailure("\(R.descriptor.id) cannot run the Harris–Michael list: \(reason)")
        }
        self.domain = domain
        shape = ListNodeShape(payloadBytes: payloadBytes, timing: timing)
        self.fault = fault
        self.hook = hook
        head = .allocate(capacity: 1)
        head.initialize(to: R.Link(.null))
    }

    deinit {
        head.deinitialize(count: 1)
        head.deallocate()
    }

    /// Bytes one node asks of the allocator (header + link + key + value + payload).
    public var nodeBytes: Int { shape.layout.allocationBytes(R.self) }
    public var nodeLayout: NodeLayout { shape.layout }

    @inlinable
    public func contains(_ key: Int, using participant: borrowing R.Participant) -> Bool {
        value(forKey: key, using: participant) != nil
    }

    @inlinable
    public func value(forKey key: Int, using participant: borrowing R.Participant) -> Int? {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.value(forKey: key, head: head, shape: shape, in: guardian)
        }
    }

    /// Inserts unless the key is present; true when inserted.
    @inlinable
    @discardableResult
    public func insert(_ key: Int, value: Int, using participant: borrowing R.Participant) -> Bool {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.insert(key, value: value, head: head, shape: shape, domain: domain, in: guardian)
        }
    }

    /// Removes the key; true when this call removed it.
    @inlinable
    @discardableResult
    public func remove(_ key: Int, using participant: borrowing R.Participant) -> Bool {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.remove(
                key, head: head, shape: shape, marking: fault != .unlinksWithoutMarking, hook: hook, in: guardian)
        }
    }

    /// Keys in order, read without synchronization: only while no other thread uses the list.
    public func keysQuiescent(using participant: borrowing R.Participant) -> [Int] {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.nodesQuiescent(head: head, shape: shape, in: guardian).map { shape.key($0, R.self) }
        }
    }

    /// Empties the list, retiring every node: only while no other thread uses it.
    public func removeAllQuiescent(using participant: borrowing R.Participant) {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.retireAllQuiescent(head: head, shape: shape, in: guardian)
        }
    }
}
