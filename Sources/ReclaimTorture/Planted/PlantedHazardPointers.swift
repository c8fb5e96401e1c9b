import ReclaimBenchSupport
import ReclaimBenchKit
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Which fault a planted hazard-pointer domain carries.
public protocol PlantedHazardFault {
    static var scheme: PlantedScheme { get }
}

/// `hp-skips-revalidation`: protect publishes the hazard but never re-reads the link, so a
/// node unlinked and scanned between the load and the publication is freed under the
/// reader (Michael 2004's validation step, left out). Yield point: between the two.
public enum SkipsRevalidation: PlantedHazardFault { public static var scheme: PlantedScheme { .hpSkipsRevalidation } }

/// `hp-handoff-wrong-record`: detach leaves the hazard in the thread's own slot and the
/// token names that slot; release clears it there. Once the thread reuses the slot, the
/// handed-off node is unprotected while its holder still reads it, and the release then
/// clears whatever the thread protects in that slot now (the class of bug hazptrtorture
/// found: a protection acquired by one task and released by another).
public enum ReleasesOnWrongRecord: PlantedHazardFault { public static var scheme: PlantedScheme { .hpReleasesOnWrongRecord } }

/// A minimal hazard-pointer scheme (Michael 2004), correct but for its planted fault:
/// per-thread slots published seq_cst and re-validated, a retire list scanned against a
/// snapshot of every slot every 16 retires, hand-off through domain-owned records.
public final class PlantedHazardPointerDomain<Fault: PlantedHazardFault>: Reclaimer, @unchecked Sendable {
    // SAFETY: the record lists and the garbage are behind locks; slots are atomics.
    public typealias Link = AtomicNodeLink
    public typealias Participant = PlantedHazardParticipant<Fault>
    public typealias Guard = PlantedHazardGuard<Fault>
    public typealias HandOff = PlantedHazardHandOff<Fault>

    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .crossThreadRelease] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }
    public static var descriptor: SchemeDescriptor {
        SchemeDescriptor(id: Fault.scheme.rawValue, family: .hazardPointers, summary: "planted: \(Fault.scheme.summary)",
                         reference: "ReclaimBench torture", capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes)
    }

    static var scanThreshold: Int { 16 }

    public let configuration: ReclaimerConfiguration
    let counters = PlantedCounters()
    let records = Locked<[PlantedHazardRecord]>([])
    let handOffRecords = Locked<[PlantedHazardRecord]>([])
    let garbage = Locked<[PlantedRetired]>([])

    public init(configuration: ReclaimerConfiguration) { self.configuration = configuration }

    deinit {
        for record in records.withLock({ $0 }) + handOffRecords.withLock({ $0 }) { record.deallocate() }
    }

    public func register(slots: Int) -> PlantedHazardParticipant<Fault> {
        let record = PlantedHazardRecord(slots: slots)
        records.withLock { $0.append(record) }
        return PlantedHazardParticipant(domain: self, record: record)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer { PlantedNodes.allocate(layout, Self.self) }
    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { free(node) }

    /// Every published hazard: thread slots, then hand-off records.
    func protectedAddresses() -> Set<UInt> {
        // ORDERING: seq_cst fence pairs with protect's seq_cst store and re-load (Michael's
        // validation); acquire loads of the slots.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        var set = Set<UInt>()
        for record in records.withLock({ $0 }) + handOffRecords.withLock({ $0 }) {
            for slot in 0..<record.capacity {
                let value = record.slots[slot].load(ordering: .acquiring)
                if value != 0 { set.insert(value) }
            }
        }
        return set
    }

    /// Frees the entries no slot protects; returns the rest.
    func scan(_ entries: [PlantedRetired]) -> [PlantedRetired] {
        let protected = protectedAddresses()
        var kept: [PlantedRetired] = []
        for entry in entries {
            if protected.contains(entry.address) { kept.append(entry) } else { counters.free(entry) }
        }
        return kept
    }

    public func collect() {
        let entries = garbage.withLock { entries in defer { entries = [] }; return entries }
        let kept = scan(entries)
        garbage.withLock { $0 += kept }
    }

    public func synchronize() { preconditionFailure("\(Self.descriptor.id) has no synchronize()") }
    public func barrier() { drain() }
    public func drain() {
        for record in records.withLock({ $0 }) where record.owner == pthread_self() { flush(record) }
        collect()
    }

    public func release(_ handOff: consuming PlantedHazardHandOff<Fault>) {
        // ORDERING: release pairs with the scan's acquire slot load.
        handOff.record.slots[handOff.slot].store(0, ordering: .releasing)
        if handOff.record.isHandOff { handOff.record.inUse.store(false, ordering: .releasing) }
    }

    func claimHandOffRecord() -> PlantedHazardRecord {
        for record in handOffRecords.withLock({ $0 }) {
            // ORDERING: acquire pairs with release()'s releasing store of inUse.
            if record.inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { return record }
        }
        let record = PlantedHazardRecord(slots: 1, handOff: true)
        record.inUse.store(true, ordering: .relaxed)  // ORDERING: not yet shared
        handOffRecords.withLock { $0.append(record) }
        return record
    }

    func flush(_ record: PlantedHazardRecord) {
        let kept = scan(record.retired)
        record.retired = []
        garbage.withLock { $0 += kept }
    }

    func leave(_ record: PlantedHazardRecord) {
        for slot in 0..<record.capacity { record.slots[slot].store(0, ordering: .releasing) }  // ORDERING: as release()
        flush(record)
        records.withLock { list in list.removeAll { $0 === record } }
        handOffRecords.withLock { $0.append(record) }  // freed with the domain (a hand-off may still name it)
        record.inUse.store(true, ordering: .relaxed)  // ORDERING: never claimed again
    }

    public var statistics: ReclaimerStatistics { counters.statistics }
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }
}

/// One thread's slots (or one hand-off record's single slot) and retire list.
final class PlantedHazardRecord: @unchecked Sendable {
    // SAFETY: slots are atomics; `retired` and `passes` are owner-only.
    let slots: UnsafeMutablePointer<Atomic<UInt>>
    let capacity: Int
    let isHandOff: Bool
    let inUse = Atomic<Bool>(false)
    let owner: pthread_t
    var retired: [PlantedRetired] = []
    var passes = 0

    init(slots: Int, handOff: Bool = false) {
        capacity = max(1, slots)
        self.slots = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: capacity)
        for index in 0..<capacity { (self.slots + index).initialize(to: Atomic(0)) }
        isHandOff = handOff
        owner = pthread_self()
    }

    func deallocate() { slots.deallocate() }
}

public struct PlantedHazardParticipant<Fault: PlantedHazardFault>: ReclaimerParticipant, ~Copyable {
    public typealias Domain = PlantedHazardPointerDomain<Fault>
    let domain: PlantedHazardPointerDomain<Fault>
    let record: PlantedHazardRecord

    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing PlantedHazardGuard<Fault>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        defer {
            for slot in 0..<record.capacity { record.slots[slot].store(0, ordering: .releasing) }  // ORDERING: as release()
            if record.retired.count >= PlantedHazardPointerDomain<Fault>.scanThreshold {
                record.retired = domain.scan(record.retired)
            }
        }
        return try body(PlantedHazardGuard(domain: domain, record: record))
    }

    public func flush() { domain.flush(record) }
    public func quiescentState() {}
    deinit { domain.leave(record) }
}

public struct PlantedHazardGuard<Fault: PlantedHazardFault>: ReclaimerGuard, ~Copyable {
    public typealias Domain = PlantedHazardPointerDomain<Fault>
    let domain: PlantedHazardPointerDomain<Fault>
    let record: PlantedHazardRecord

    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        var observed = link.pointee.load(.relaxed)
        if Fault.self == SkipsRevalidation.self {
            // THE FAULT: the node may be unlinked and freed before the hazard is published,
            // and nothing re-reads the link to find out.
            if let node = observed.node, PlantedYield.due(&record.passes) { PlantedYield.reached(node) }
            record.slots[slot].store(observed.addressBits, ordering: .sequentiallyConsistent)
            return observed
        }
        while true {
            // ORDERING: seq_cst store then seq_cst re-load; pairs with the scan's fence.
            record.slots[slot].store(observed.addressBits, ordering: .sequentiallyConsistent)
            let current = link.pointee.loadSequentiallyConsistent()
            if current == observed { return current }
            observed = current
        }
    }

    public func resetProtection(slot: Int) { record.slots[slot].store(0, ordering: .releasing) }  // ORDERING: as release()


    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { retire(PlantedRetired(node: node, deleter: nil)) }
    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) { retire(PlantedRetired(node: node, deleter: deleter)) }

    func retire(_ entry: PlantedRetired) {
        domain.counters.noteRetired()
        record.retired.append(entry)
    }

    public func detach(slot: Int) -> PlantedHazardHandOff<Fault> {
        let value = record.slots[slot].load(ordering: .relaxed)  // ORDERING: our own slot
        // No precondition on a protected slot: with ReleasesOnWrongRecord another thread's
        // release may already have cleared this thread's slot under it (the fault itself);
        // the torture must report that as a FAILURE, not crash on it.
        precondition(value != 0 || Fault.self == ReleasesOnWrongRecord.self,
                     "detach(slot: \(slot)) on a slot that protects nothing")
        if Fault.self == ReleasesOnWrongRecord.self {
            // THE FAULT: the hazard stays in this thread's slot, which the thread will reuse,
            // and the token points there. It fires on every hand-off; the torture's hold
            // (holdReplacements replacements) lets the carrier be replaced, retired and
            // scanned before the release thread checks it again.
            PlantedYield.fired()
            return PlantedHazardHandOff(record: record, slot: slot, node: TaggedNode(bits: value))
        }
        let holder = domain.claimHandOffRecord()
        // ORDERING: the hand-off slot is written before the thread slot is cleared (release).
        holder.slots[0].store(value, ordering: .sequentiallyConsistent)
        record.slots[slot].store(0, ordering: .releasing)
        return PlantedHazardHandOff(record: holder, slot: 0, node: TaggedNode(bits: value))
    }
}

public struct PlantedHazardHandOff<Fault: PlantedHazardFault>: ProtectionHandOff, ~Copyable, @unchecked Sendable {
    // SAFETY: the record lives as long as the domain; only release() writes the slot.
    let record: PlantedHazardRecord
    let slot: Int
    public let node: TaggedNode
}
