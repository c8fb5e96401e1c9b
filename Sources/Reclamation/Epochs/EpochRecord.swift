import Synchronization

/// A thread's epoch state: the local epoch word (hot block) and its bags (owner-only).
@usableFromInline
final class EpochRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; the fields added here are owner-only or immutable.
    /// The local epoch word, in the hot block (which lives as long as the record).
    @inlinable var localEpoch: UnsafeMutablePointer<Atomic<UInt64>> { hot.scheme(Atomic<UInt64>.self) }
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: EpochDomain
    /// Owner-only.
    var bags: BagQueue

    init(domain: EpochDomain) {
        self.domain = domain
        bags = BagQueue(capacity: domain.configuration.bagCapacity)
        let hot = HotHeader.allocate(schemeBytes: MemoryLayout<Atomic<UInt64>>.stride)
        hot.bindSchemeArea(1) { Atomic<UInt64>(0) }
        super.init(domain: domain, schemeID: EpochDomain.descriptor.id,
                   hot: hot, eventCount: EpochDomain.Event.allCases.count)
    }

    deinit {
        bags.freeStorage()  // the domain handed every node on before the registry let go
        localEpoch.deinitialize(count: 1)
    }

    /// Owner-only: adds a retired node to the open bag; a full bag is sealed at once (the
    /// fence and epoch read are cheap) and the outermost guard exit frees what expired.
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        if bags.append(entry) {
            bags.sealOpen(tag: domain.sealEpoch())
            bumpEvent(EpochDomain.Event.bagsSealed.rawValue)
            hot.pendingWork = 1
        }
    }
}
