import Synchronization

/// The guard of every scheme whose read-side section itself keeps what it reads alive
/// (none, ebr; later qsbr and rcu): protecting is an acquire load, slots are not used, and
/// a node reached inside the section stays allocated until the outermost section ends.
/// A section belongs to its thread, so these schemes cannot hand a protection over.
@frozen
public struct ReadSectionGuard<Domain: Reclaimer>: ReclaimerGuard, ~Copyable
where Domain.Link == AtomicNodeLink, Domain.HandOff == UnsupportedHandOff {
    /// SAFETY: the participant that opened the section owns the record and outlives it.
    @usableFromInline unowned(unsafe) let record: ParticipantRecord

    @inlinable
    init(record: ParticipantRecord) { self.record = record }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        // ORDERING[SECTION-E0]: acquire pairs with the release store or CAS that published
        // the node, so its initialization is visible.
        let word = link.pointee.load(.acquiring)
        stressPoint(.loadedBeforeUse)
        return word
    }

    @inlinable
    public func resetProtection(slot: Int) {}

    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        record.retire(RetiredNode(node: node, allocationBytes: layout.allocationBytes(Domain.self)))
    }

    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) {
        record.retire(RetiredNode(node: node, deleter: deleter))
    }
}
