import ReclaimBenchSupport
import ReclaimBenchKit
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Planted: `ebr-advances-past-pinned`. A minimal epoch scheme (Fraser 2004): a guard pins
/// the thread at the global epoch; every 8 retires a thread tries to advance the epoch,
/// which is allowed only when every pinned thread has seen the current one; a node retired
/// in epoch e is freed once the epoch reaches e + 2. The fault: the advance ignores pinned
/// threads, so a reader pinned two epochs back still holds nodes that are freed. Yield
/// point: after the reader's load, every `PlantedYield.every`-th protect.
public final class PlantedEpochDomain: Reclaimer, @unchecked Sendable {
    // SAFETY: records and garbage are behind locks; the epoch and pins are atomics.
    public typealias Link = AtomicNodeLink
    public typealias Participant = PlantedEpochParticipant
    public typealias Guard = PlantedEpochGuard

    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }
    public static var descriptor: SchemeDescriptor {
        SchemeDescriptor(id: PlantedScheme.ebrAdvancesPastPinned.rawValue, family: .epochs,
                         summary: "planted: \(PlantedScheme.ebrAdvancesPastPinned.summary)", reference: "ReclaimBench torture",
                         capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes)
    }

    public let configuration: ReclaimerConfiguration
    let counters = PlantedCounters()
    /// Starts at 2 so that "retired in e, free at e + 2" never underflows.
    let epoch = Atomic<UInt64>(2)
    let records = Locked<[PlantedEpochRecord]>([])
    let garbage = Locked<[PlantedRetired]>([])

    public init(configuration: ReclaimerConfiguration) { self.configuration = configuration }

    public func register(slots: Int) -> PlantedEpochParticipant {
        let record = PlantedEpochRecord()
        records.withLock { $0.append(record) }
        return PlantedEpochParticipant(domain: self, record: record)
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer { PlantedNodes.allocate(layout, Self.self) }
    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { free(node) }

    func tryAdvance() {
        let current = epoch.load(ordering: .sequentiallyConsistent)  // ORDERING: pairs with pin's seq_cst store
        // THE FAULT: the correct scheme returns here when a pinned record is behind:
        //   for record in records where record.pin != 0 && record.pin != current { return }
        _ = epoch.compareExchange(expected: current, desired: current + 1, ordering: .sequentiallyConsistent)
    }

    /// Frees the entries whose epoch is two behind; returns the rest.
    func freeExpired(_ entries: [PlantedRetired]) -> [PlantedRetired] {
        let current = epoch.load(ordering: .acquiring)  // ORDERING: pairs with the advance
        var kept: [PlantedRetired] = []
        for entry in entries {
            if entry.epoch + 2 <= current { counters.free(entry) } else { kept.append(entry) }
        }
        return kept
    }

    public func collect() {
        let entries = garbage.withLock { entries in defer { entries = [] }; return entries }
        let kept = freeExpired(entries)
        garbage.withLock { $0 += kept }
    }

    public func synchronize() { preconditionFailure("\(Self.descriptor.id) has no synchronize()") }
    public func barrier() { drain() }

    public func drain() {
        for record in records.withLock({ $0 }) where record.owner == pthread_self() { flush(record) }
        // Everyone else has left or flushed: two advances expire everything.
        tryAdvance()
        tryAdvance()
        collect()
    }

    func flush(_ record: PlantedEpochRecord) {
        let entries = record.retired
        record.retired = []
        garbage.withLock { $0 += entries }
    }

    func leave(_ record: PlantedEpochRecord) {
        flush(record)
        records.withLock { list in list.removeAll { $0 === record } }
    }

    public var statistics: ReclaimerStatistics { counters.statistics }
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }
}

final class PlantedEpochRecord: @unchecked Sendable {
    // SAFETY: `pin` is atomic; the rest is owner-only.
    /// 0 when not pinned, else the epoch the thread pinned at.
    let pin = Atomic<UInt64>(0)
    let owner = pthread_self()
    var depth = 0
    var retired: [PlantedRetired] = []
    var retiresSinceAdvance = 0
    var passes = 0
}

public struct PlantedEpochParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = PlantedEpochDomain
    let domain: PlantedEpochDomain
    let record: PlantedEpochRecord

    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing PlantedEpochGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if record.depth == 0 {
            // ORDERING: seq_cst store, then the loads of the guard cannot pass it; pairs with
            // tryAdvance()'s seq_cst epoch load.
            record.pin.store(domain.epoch.load(ordering: .sequentiallyConsistent), ordering: .sequentiallyConsistent)
        }
        record.depth += 1
        defer {
            record.depth -= 1
            if record.depth == 0 {
                record.pin.store(0, ordering: .releasing)  // ORDERING: the guard's reads happen before
                if record.retiresSinceAdvance >= 8 {
                    record.retiresSinceAdvance = 0
                    domain.tryAdvance()
                    record.retired = domain.freeExpired(record.retired)
                }
            }
        }
        return try body(PlantedEpochGuard(domain: domain, record: record))
    }

    public func flush() { domain.flush(record); domain.collect() }
    public func quiescentState() {}
    deinit { domain.leave(record) }
}

public struct PlantedEpochGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = PlantedEpochDomain
    let domain: PlantedEpochDomain
    let record: PlantedEpochRecord

    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        let observed = link.pointee.load(.acquiring)
        if let node = observed.node, PlantedYield.due(&record.passes) { PlantedYield.reached(node) }
        return observed
    }

    public func resetProtection(slot: Int) {}


    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { retire(PlantedRetired(node: node, deleter: nil)) }
    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) { retire(PlantedRetired(node: node, deleter: deleter)) }

    func retire(_ entry: PlantedRetired) {
        domain.counters.noteRetired()
        var entry = entry
        entry.epoch = domain.epoch.load(ordering: .acquiring)  // ORDERING: pairs with the advance
        record.retired.append(entry)
        record.retiresSinceAdvance += 1
    }
}
