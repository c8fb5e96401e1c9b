// A compact epoch-based scheme written outside ReclaimBench, through its public API only:
// the kind of scheme a researcher brings to the suite. K. Fraser, "Practical lock-freedom"
// (PhD thesis, Cambridge, 2004), §5.2.3: a global epoch; a reader announces the epoch it
// saw when it enters its outermost guard; the epoch advances only when every announced
// reader has seen the current one; a node retired in epoch r is freed once the epoch
// reaches r + 2, when no reader that could have reached it is left.
//
// Orderings: the announce is a sequentially consistent store followed by a full fence, so
// that the writer's census (sequentially consistent loads) cannot miss a reader whose later
// link loads see a node before its unlink. The epoch moves by compare-exchange only.
//
// Everything here is the outside author's; from ReclaimBench it uses only the protocol,
// AtomicNodeLink, NodeAllocator (the same jemalloc path as the built-in schemes) and
// ThreadGuardMembership (so that a blocking call inside any domain's guard traps, in this
// domain and in the package's).
//
// The read path (withGuard, pin, load, protect, store, compare-exchange) is `@inlinable`,
// its fields `@usableFromInline`: the cells that time this scheme are compiled in the
// executable's module, and a call into this module's unspecialized generic code on every
// guard would be the harness's cost, not the scheme's (measured: read-cost 37 ns/op
// without, against ebr's 5.4).

import Foundation
import Reclamation
import Synchronization

/// Chooses the correct scheme or its broken variant (a real off-by-one: a node is freed
/// when the epoch reaches r + 1, while a reader that entered in r may still hold it).
public protocol OutsideEpochVariant: Sendable {
    static var id: String { get }
    static var graceEpochs: UInt64 { get }
}

public enum CorrectEpochs: OutsideEpochVariant {
    public static var id: String { "outside-epoch" }
    public static var graceEpochs: UInt64 { 2 }
}

public enum FreesOneEpochEarly: OutsideEpochVariant {
    public static var id: String { "outside-epoch-broken" }
    public static var graceEpochs: UInt64 { 1 }
}

public final class OutsideEpochDomain<Variant: OutsideEpochVariant>: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the epoch, the record list and the pending stack are
    // atomics; the orphan list is behind a mutex; everything else is immutable.
    public typealias Link = AtomicNodeLink
    public typealias Participant = OutsideEpochParticipant<Variant>
    public typealias Guard = OutsideEpochGuard<Variant>

    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .blockingSynchronize, .optimisticTraversal] }
    public static var nodeHeaderBytes: Int { 0 }
    public static var descriptor: SchemeDescriptor {
        SchemeDescriptor(
            id: Variant.id, family: SchemeFamily("outside-epochs"),
            summary: Variant.graceEpochs == 2
                ? "an outside package's epochs: global epoch, announced readers, free at r + 2"
                : "the outside scheme's broken variant: frees at r + 1",
            reference: "Fraser 2004, §5.2.3 (Examples/OutsideScheme)",
            capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes)
    }

    public let configuration: ReclaimerConfiguration
    let allocator: NodeAllocator
    @usableFromInline let epoch = Atomic<UInt64>(0)
    /// Every record ever registered, newest first (records are reused, never unlinked).
    let records = Atomic<UInt>(0)
    /// Batches waiting for their grace period: a Treiber stack of retained batches.
    let pending = Atomic<UInt>(0)
    let retiredCount = Atomic<UInt64>(0)
    let freedCount = Atomic<UInt64>(0)
    let peakPending = Atomic<UInt64>(0)
    /// Keeps the records alive (touched only when registering and at deinit).
    let owned = Mutex<[OutsideEpochRecord]>([])

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
    }

    deinit {
        var bits = pending.exchange(0, ordering: .acquiring)
        while bits != 0 {
            let batch = Unmanaged<GarbageList>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeRetainedValue()
            bits = batch.next
            free(batch.entries)
        }
    }

    public func register(slots: Int) -> Participant {
        precondition(slots >= 0, "register(slots:) needs a non-negative slot count, got \(slots)")
        let record = claimRecord() ?? newRecord()
        record.owner = pthread_self()
        return Participant(domain: self, record: record)
    }

    func claimRecord() -> OutsideEpochRecord? {
        var bits = records.load(ordering: .acquiring)
        while bits != 0 {
            let record = Unmanaged<OutsideEpochRecord>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeUnretainedValue()
            if record.inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { return record }
            bits = record.next
        }
        return nil
    }

    func newRecord() -> OutsideEpochRecord {
        let record = OutsideEpochRecord()
        owned.withLock { $0.append(record) }
        let bits = UInt(bitPattern: Unmanaged.passUnretained(record).toOpaque())
        var head = records.load(ordering: .relaxed)
        while true {
            record.next = head
            let (exchanged, original) = records.compareExchange(expected: head, desired: bits, ordering: .releasing)
            if exchanged { return record }
            head = original
        }
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        let node = allocator.allocate(bytes: layout.allocationBytes(Self.self))
        let links = node.bindMemory(to: AtomicNodeLink.self, capacity: max(layout.linkCount, 1))
        for index in 0..<layout.linkCount { (links + index).initialize(to: AtomicNodeLink(.null)) }
        return node
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node, bytes: layout.allocationBytes(Self.self))
    }

    /// Announces the current epoch for `record`'s outermost guard.
    @inlinable @inline(__always)
    func pin(_ record: OutsideEpochRecord) {
        let current = epoch.load(ordering: .relaxed)
        record.announce.store(current << 1 | 1, ordering: .sequentiallyConsistent)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
    }

    /// Advances the epoch if every reader inside a guard has announced the current one.
    @discardableResult
    func tryAdvance() -> UInt64 {
        let current = epoch.load(ordering: .sequentiallyConsistent)
        var bits = records.load(ordering: .acquiring)
        while bits != 0 {
            let record = Unmanaged<OutsideEpochRecord>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeUnretainedValue()
            let announced = record.announce.load(ordering: .sequentiallyConsistent)
            if announced & 1 == 1 && announced >> 1 != current { return current }
            bits = record.next
        }
        _ = epoch.compareExchange(expected: current, desired: current &+ 1, ordering: .sequentiallyConsistent)
        return epoch.load(ordering: .sequentiallyConsistent)
    }

    func retire(_ entry: RetiredEntry, by record: OutsideEpochRecord) {
        record.limbo.append(entry)
        let retired = retiredCount.add(1, ordering: .relaxed).newValue
        let pendingNow = retired &- freedCount.load(ordering: .relaxed)
        var peak = peakPending.load(ordering: .relaxed)
        while pendingNow > peak && pendingNow < UInt64.max / 2 {
            let (exchanged, original) = peakPending.compareExchange(expected: peak, desired: pendingNow, ordering: .relaxed)
            if exchanged { break }
            peak = original
        }
        if record.limbo.count >= 64 { flush(record) }
    }

    /// Hands `record`'s limbo to the pending stack and frees what is due. Never blocks.
    func flush(_ record: OutsideEpochRecord) {
        if !record.limbo.isEmpty {
            let batch = GarbageList(entries: record.limbo)
            record.limbo.removeAll(keepingCapacity: true)
            push(batch)
        }
        collect()
    }

    func push(_ batch: GarbageList) {
        let bits = UInt(bitPattern: Unmanaged.passRetained(batch).toOpaque())
        var head = pending.load(ordering: .relaxed)
        while true {
            batch.next = head
            let (exchanged, original) = pending.compareExchange(expected: head, desired: bits, ordering: .releasing)
            if exchanged { return }
            head = original
        }
    }

    public func collect() {
        let current = tryAdvance()
        var bits = pending.exchange(0, ordering: .acquiring)
        var keep: [RetiredEntry] = []
        while bits != 0 {
            let batch = Unmanaged<GarbageList>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeRetainedValue()
            bits = batch.next
            for entry in batch.entries {
                if entry.epoch &+ Variant.graceEpochs <= current { free([entry]) } else { keep.append(entry) }
            }
        }
        if !keep.isEmpty { push(GarbageList(entries: keep)) }
    }

    func free(_ entries: [RetiredEntry]) {
        for entry in entries {
            if let deleter = entry.deleter { deleter.function(entry.node, deleter.context) }
            else { allocator.free(entry.node, bytes: entry.bytes) }
        }
        _ = freedCount.add(UInt64(entries.count), ordering: .relaxed)
    }

    public func synchronize() {
        ThreadGuardMembership.trapIfInsideAnyGuard("synchronize()", scheme: Variant.id)
        let target = epoch.load(ordering: .sequentiallyConsistent) &+ 2
        while tryAdvance() < target { sched_yield() }
    }

    public func barrier() { drain() }

    public func drain() {
        ThreadGuardMembership.trapIfInsideAnyGuard("drain()", scheme: Variant.id)
        // The calling thread's own participants first.
        let me = pthread_self()
        var bits = records.load(ordering: .acquiring)
        while bits != 0 {
            let record = Unmanaged<OutsideEpochRecord>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeUnretainedValue()
            if record.inUse.load(ordering: .acquiring), let owner = record.owner, pthread_equal(owner, me) != 0 {
                flush(record)
            }
            bits = record.next
        }
        for _ in 0..<Variant.graceEpochs + 1 {
            synchronize()
            collect()
        }
    }

    public var statistics: ReclaimerStatistics {
        ReclaimerStatistics(retired: retiredCount.load(ordering: .relaxed), freed: freedCount.load(ordering: .relaxed),
                            peakPending: peakPending.load(ordering: .relaxed))
    }

    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    func leave(_ record: OutsideEpochRecord) {
        flush(record)
        record.owner = nil
        record.inUse.store(false, ordering: .releasing)
    }
}

/// A retired node, the epoch it was retired in, and how to free it.
struct RetiredEntry {
    let node: UnsafeMutableRawPointer
    let bytes: Int
    let deleter: NodeDeleter?
    let epoch: UInt64
}

/// A batch on the pending stack.
final class GarbageList: @unchecked Sendable {
    // SAFETY: written by one thread before it is pushed, read by the one that popped it.
    let entries: [RetiredEntry]
    var next: UInt = 0
    init(entries: [RetiredEntry]) { self.entries = entries }
}

/// One participant's state. `announce`: the epoch << 1 | 1 while inside a guard, 0 outside.
public final class OutsideEpochRecord: @unchecked Sendable {
    // SAFETY: `announce` and `inUse` are atomics; `limbo`, `owner` and `next` are written by
    // the owner (next: before the record is published) and read by others only for `next`.
    @usableFromInline let announce = Atomic<UInt64>(0)
    let inUse = Atomic<Bool>(true)
    var next: UInt = 0
    var limbo: [RetiredEntry] = []
    var owner: pthread_t?
}

public struct OutsideEpochParticipant<Variant: OutsideEpochVariant>: ReclaimerParticipant, ~Copyable {
    public typealias Domain = OutsideEpochDomain<Variant>
    @usableFromInline let domain: Domain
    @usableFromInline let record: OutsideEpochRecord
    @usableFromInline let membership: ThreadGuardMembership

    init(domain: Domain, record: OutsideEpochRecord) {
        self.domain = domain
        self.record = record
        membership = ThreadGuardMembership(domain: domain, schemeID: Variant.id)
    }

    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing OutsideEpochGuard<Variant>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outermost = !membership.isInsideGuard
        membership.enter()
        if outermost { domain.pin(record) }
        defer {
            membership.leave()
            if outermost { record.announce.store(0, ordering: .releasing) }
        }
        return try body(OutsideEpochGuard(domain: domain, record: record))
    }

    public func flush() { domain.flush(record) }
    @inlinable public func quiescentState() {}

    deinit {
        membership.depart()
        domain.leave(record)
    }
}

public struct OutsideEpochGuard<Variant: OutsideEpochVariant>: ReclaimerGuard, ~Copyable {
    public typealias Domain = OutsideEpochDomain<Variant>
    // Unowned: a guard lives inside its participant's withGuard, which holds both strongly;
    // strong references here cost a retain and a release of each on every guard (measured:
    // read-cost 31 ns/op with them).
    @usableFromInline unowned(unsafe) let domain: Domain
    @usableFromInline unowned(unsafe) let record: OutsideEpochRecord

    @inlinable init(domain: Domain, record: OutsideEpochRecord) {
        self.domain = domain
        self.record = record
    }

    @inlinable
    /// Unprotected: the result can be compared but not stored (`LoadedWord`).
    public func load(_ link: UnsafeMutablePointer<AtomicNodeLink>, _ ordering: LinkLoadOrdering) -> LoadedWord {
        LoadedWord(unprotected: link.pointee.load(ordering))
    }

    /// Inside a guard every reachable node stays allocated: a protect is an acquiring load.
    @inlinable
    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        link.pointee.load(.acquiring)
    }

    @inlinable public func resetProtection(slot: Int) {}

    @inlinable
    public func store(_ link: UnsafeMutablePointer<AtomicNodeLink>, _ desired: TaggedNode, _ ordering: LinkStoreOrdering) {
        link.pointee.store(desired, ordering)
    }

    @inlinable
    public func compareExchange(
        _ link: UnsafeMutablePointer<AtomicNodeLink>, expected: TaggedNode, desired: TaggedNode, _ ordering: LinkUpdateOrdering
    ) -> (exchanged: Bool, original: LoadedWord) {
        let (exchanged, original) = link.pointee.compareExchange(expected: expected, desired: desired, ordering)
        return (exchanged, LoadedWord(unprotected: original))
    }

    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        domain.retire(RetiredEntry(node: node, bytes: layout.allocationBytes(Domain.self), deleter: nil,
                                   epoch: domain.epoch.load(ordering: .sequentiallyConsistent)), by: record)
    }

    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) {
        domain.retire(RetiredEntry(node: node, bytes: 0, deleter: deleter,
                                   epoch: domain.epoch.load(ordering: .sequentiallyConsistent)), by: record)
    }
}
