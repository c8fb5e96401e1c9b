import Synchronization

/// A thread's epoch state: the local epoch word (hot block) and its bags (owner-only).
@usableFromInline
final class EpochRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; the fields added here are owner-only or immutable.
    /// SAFETY: points into the hot block, which lives as long as the record.
    @usableFromInline let localEpoch: UnsafeMutablePointer<Atomic<UInt64>>
    /// SAFETY: records die with the domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: EpochDomain
    let bagCapacity: Int
    /// Owner-only: the bag being filled; sealed bags oldest first; one spare.
    @usableFromInline var openBag: GarbageBatch?
    private(set) var oldestSealed: GarbageBatch?
    private var newestSealed: GarbageBatch?
    private var spare: GarbageBatch?

    init(domain: EpochDomain) {
        self.domain = domain
        bagCapacity = domain.configuration.bagCapacity
        let hot = HotHeader.allocate(schemeBytes: MemoryLayout<Atomic<UInt64>>.stride)
        localEpoch = hot.schemeArea.bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        localEpoch.initialize(to: Atomic(0))
        super.init(domain: domain, schemeID: EpochDomain.descriptor.id,
                   hot: hot, eventCount: EpochDomain.Event.allCases.count)
    }

    deinit {
        // The domain gave every bag away before the registry released this record.
        openBag?.free()
        spare?.free()
        localEpoch.deinitialize(count: 1)
    }

    /// Owner-only: adds a retired node to the open bag; a full bag is sealed at once (the
    /// fence and epoch read are cheap) and the outermost guard exit frees what expired.
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        let bag = openBag ?? takeEmptyBag()
        bag.append(entry)
        openBag = bag
        bump(retiredCount)
        if bag.isFull {
            _ = sealOpenBag(epoch: domain.sealEpoch())
            bumpEvent(EpochDomain.Event.bagsSealed.rawValue)
            hot.pendingWork = 1
        }
    }

    /// Owner-only: seals the open bag with `epoch` and queues it; false when it was empty.
    @discardableResult
    func sealOpenBag(epoch: UInt64) -> Bool {
        guard let bag = openBag, bag.count > 0 else { return false }
        openBag = nil
        bag.sealEpoch = epoch
        bag.next = nil
        if let newestSealed { newestSealed.next = bag } else { oldestSealed = bag }
        newestSealed = bag
        return true
    }

    /// Owner-only: removes the oldest sealed bag.
    func popSealed() -> GarbageBatch? {
        guard let oldest = oldestSealed else { return nil }
        oldestSealed = oldest.next
        if oldestSealed == nil { newestSealed = nil }
        oldest.next = nil
        return oldest
    }

    /// Owner-only: keeps an emptied bag for reuse.
    func recycle(_ bag: GarbageBatch) {
        if spare == nil { spare = bag } else { bag.free() }
    }

    private func takeEmptyBag() -> GarbageBatch {
        if let spare {
            self.spare = nil
            return spare
        }
        return GarbageBatch.allocate(capacity: bagCapacity)
    }
}

extension GarbageBatch: Equatable {
    @usableFromInline static func == (lhs: GarbageBatch, rhs: GarbageBatch) -> Bool { lhs.base == rhs.base }
}
