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

    // Every guard retires through `Unmanaged`: a call on its unowned(unsafe) record put a
    // swift_retain and a swift_release around the record's `retire` wherever the retire
    // was not inlined into the caller (objdump of the timed retire of the reclaim-latency
    // cells: 2–3 % of their samples).
    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        Unmanaged.passUnretained(record)._withUnsafeGuaranteedRef {
            $0.retire(RetiredNode(node: node, allocationBytes: layout.allocationBytes(Domain.self)))
        }
    }

    @inlinable
    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) {
        Unmanaged.passUnretained(record)._withUnsafeGuaranteedRef { $0.retire(RetiredNode(node: node, deleter: deleter)) }
    }
}
