import Synchronization

/// A thread's hazard-pointer state: its slots (in the hot block, one word each) and its
/// retire list (owner-only). Also used, with one slot, as a domain-owned hand-off record.
@usableFromInline
final class HazardRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; the fields added here are owner-only or immutable.
    /// Slots fit in the hot block's used-slot mask.
    static let maximumSlots = 64

    @usableFromInline let slotCapacity: Int
    /// The slots, in the hot block (which lives as long as the record).
    @inlinable var slots: UnsafeMutablePointer<Atomic<UInt>> { hot.scheme(Atomic<UInt>.self) }
    /// Owner-only: nodes retired and not yet freed (nil until the first retire).
    @usableFromInline var retired: GarbageBatch?
    /// Owner-only: scan when the list reaches this many nodes (I4).
    @usableFromInline var scanTrigger = 1
    /// Owner-only: when this record last scanned, and retires left before the next clock read.
    var lastScanNanoseconds: UInt64 = 0
    @usableFromInline var retiresUntilClockCheck = 64
    let domainScanPeriod: UInt64
    /// SAFETY: records die with their domain's registry, inside the domain's deinit.
    @usableFromInline unowned(unsafe) let domain: HazardPointerDomain
    /// A domain-owned hand-off record (one slot), not a thread's.
    let isHandOffRecord: Bool

    init(domain: HazardPointerDomain, slots count: Int, handOff: Bool = false) {
        self.domain = domain
        isHandOffRecord = handOff
        slotCapacity = count
        domainScanPeriod = domain.scanPeriodNanoseconds
        let hot = HotHeader.allocate(schemeBytes: count * MemoryLayout<Atomic<UInt>>.stride)
        hot.bindSchemeArea(count) { Atomic<UInt>(0) }
        // The core of an hp-asym domain names that scheme in trap messages.
        let schemeID = domain.fenceKind == .asymmetric
            ? AsymmetricHazardPointerDomain.descriptor.id : HazardPointerDomain.descriptor.id
        super.init(domain: domain, schemeID: schemeID,
                   hot: hot, eventCount: HazardPointerDomain.Event.allCases.count)
    }

    deinit {
        retired?.free()
        slots.deinitialize(count: slotCapacity)
    }

    /// Owner-only: appends a retired node; asks for a scan at the outermost guard exit once
    /// the list reaches the trigger or, checked every 64 retires, the scan period passed.
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        var batch = retired ?? GarbageBatch.allocate(capacity: min(max(scanTrigger, 8), 1024))
        if batch.isFull { batch = batch.grown() }
        batch.append(entry)
        retired = batch
        bump(retiredCount)
        if batch.count >= scanTrigger {
            hot.pendingWork = 1
        } else {
            retiresUntilClockCheck -= 1
            if retiresUntilClockCheck <= 0 {
                retiresUntilClockCheck = 64
                if monotonicNanoseconds() &- lastScanNanoseconds >= domainScanPeriod { hot.pendingWork = 1 }
            }
        }
    }

    /// Owner-only: takes the entries of an orphaned batch and frees the batch.
    func adopt(_ batch: GarbageBatch) {
        if let own = retired {
            retired = own.absorbing(batch)
            batch.free()
        } else {
            batch.next = nil
            retired = batch
        }
    }
}
