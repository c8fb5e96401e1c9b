import Atomics

/// A thread's arc state: the strong reference each slot holds (hot block, owner-only).
@usableFromInline
final class SwiftARCRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; `held` is owner-only.
    static let maximumSlots = 64
    @usableFromInline let slotCapacity: Int
    /// SAFETY: points into the hot block, which lives as long as the record.
    @usableFromInline let held: UnsafeMutablePointer<SwiftARCNode?>
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    unowned(unsafe) let domain: SwiftARCDomain

    init(domain: SwiftARCDomain, slots: Int) {
        self.domain = domain
        slotCapacity = slots
        let hot = HotHeader.allocate(schemeBytes: slots * MemoryLayout<SwiftARCNode?>.stride)
        held = hot.schemeArea.bindMemory(to: SwiftARCNode?.self, capacity: slots)
        held.initialize(repeating: nil, count: slots)
        super.init(domain: domain, schemeID: SwiftARCDomain.descriptor.id, hot: hot, eventCount: 0)
    }

    deinit { held.deinitialize(count: slotCapacity) }

    /// Owner-only: the retirement releases the creator's reference (I1).
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        let object = SwiftARCNode.object(at: entry.node)
        if let function = entry.function {
            object.setDeleter(NodeDeleter(function, context: UnsafeMutableRawPointer(bitPattern: entry.argument)))
        }
        Unmanaged.passUnretained(object).release()
    }
}

/// A thread registered with an arc domain.
public struct SwiftARCParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = SwiftARCDomain
    @usableFromInline let domain: SwiftARCDomain
    @usableFromInline let record: SwiftARCRecord
    @usableFromInline let hot: HotHeader

    init(domain: SwiftARCDomain, record: SwiftARCRecord) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
    }

    /// The outermost guard's end drops every strong reference its slots hold.
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing SwiftARCGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 {
                for slot in 0..<record.slotCapacity { record.held[slot] = nil }
            }
        }
        return try body(SwiftARCGuard(record: record))
    }

    public func flush() {}

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}

/// An arc guard: protect is a strong load kept in a slot.
@frozen
public struct SwiftARCGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = SwiftARCDomain
    @usableFromInline unowned(unsafe) let record: SwiftARCRecord

    @inlinable
    init(record: SwiftARCRecord) { self.record = record }

    @inlinable
    static func object(_ node: TaggedNode) -> SwiftARCNode? {
        precondition(node.tag == 0, "arc: a strong reference has no tag bits (no mark for Harris's list)")
        return node.node.map { SwiftARCNode.object(at: $0) }
    }

    @inlinable
    public func load(_ link: UnsafeMutablePointer<SwiftARCLink>, _ ordering: LinkLoadOrdering) -> LoadedWord {
        // A strong load (retain, then release when the temporary dies): an address alone
        // cannot be read from an AtomicReference.
        let object = link.pointee.box.load(ordering: .acquiring)
        return LoadedWord(unprotected: TaggedNode(object?.payload))
    }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<SwiftARCLink>, slot: Int) -> TaggedNode {
        assert(slot >= 0 && slot < record.slotCapacity, "arc: slot \(slot) outside the registered slots")
        let object = link.pointee.box.load(ordering: .acquiring)
        record.held[slot] = object
        return TaggedNode(object?.payload)
    }

    @inlinable
    public func resetProtection(slot: Int) { record.held[slot] = nil }

    @inlinable
    public func store(_ link: UnsafeMutablePointer<SwiftARCLink>, _ desired: TaggedNode, _ ordering: LinkStoreOrdering) {
        link.pointee.box.store(Self.object(desired), ordering: .releasing)
    }

    @inlinable
    public func compareExchange(
        _ link: UnsafeMutablePointer<SwiftARCLink>, expected: TaggedNode, desired: TaggedNode,
        _ ordering: LinkUpdateOrdering
    ) -> (exchanged: Bool, original: LoadedWord) {
        let (exchanged, original) = link.pointee.box.compareExchange(
            expected: Self.object(expected), desired: Self.object(desired), ordering: .acquiringAndReleasing)
        return (exchanged, LoadedWord(unprotected: TaggedNode(original?.payload)))
    }

    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        record.retire(RetiredNode(node: node, allocationBytes: 0))
    }

    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) {
        Unmanaged.passUnretained(record)._withUnsafeGuaranteedRef { $0.retire(RetiredNode(node: node, deleter: deleter)) }
    }

    /// Moves the slot's strong reference into a token.
    public func detach(slot: Int) -> SwiftARCHandOff {
        guard let object = record.held[slot] else { preconditionFailure("arc: detach(slot: \(slot)) on an empty slot") }
        record.held[slot] = nil
        return SwiftARCHandOff(domain: record.domain, object: object)
    }
}

/// A strong reference moved out of a guard; release it once, on any thread.
public struct SwiftARCHandOff: ProtectionHandOff, ~Copyable, @unchecked Sendable {
    // SAFETY: a strong reference; ARC's counts are atomic.
    let domain: SwiftARCDomain
    var object: SwiftARCNode?
    public var node: TaggedNode { TaggedNode(object?.payload) }
}
