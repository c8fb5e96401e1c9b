// rc — lock-free reference counting with split counts. D. Vyukov, "Differential reference
// counting" (1024cores.net); A. Williams, "C++ Concurrency in Action" (2nd ed., §7.2.4,
// split counts on a lock-free stack); folly's AtomicSharedPtr (a local count packed into
// the pointer word's spare high bits). Detlefs et al.'s lock-free RC needs a two-word DCAS,
// which x86-64 does not have; this needs only single-word atomics.
//
// Shared state:
//   - a link word: [local count : 16 | node address + tag bits : 48]. A reader acquires a
//     reference by adding 1 to the local count — atomically with reading the address, so
//     the node cannot be freed between the read and the count (the classic RC race).
//   - a node header (16 bytes): `counts` = links · 2^40 + refs (one signed word), and the
//     node's size and link count. `links` is how many links point to the node; `refs` is
//     owner (1 until retired) + protections paid for − protections paid back.
//   Per thread (owner-only, hot block): the nodes held by each slot.
//
// Invariants:
//   I1. The node's true count is refs + links + Σ local counts of the links pointing to it.
//       Readers pay back to refs (−1), not to the link (which they may no longer reach);
//       a link's local count moves into refs when the link is overwritten or its holder
//       freed (+local − 2^40, one atomic add), or when it nears 2^16 (normalize).
//   I2. refs may dip below zero while links > 0 (paid back before transferred), but by less
//       than 2^39; so `counts` == 0 exactly when no link points to the node and every
//       reference is paid: the node is freed by whoever makes it 0, exactly once.
//   I3. A node is freed only with `counts` == 0; freeing it drops its outgoing links
//       (transfers their local counts), iteratively, never recursively.
//
// Edges:
//   RC-E1  a link's release store/CAS ↔ protect's acquire fetch-add: the node's
//          initialization is visible to the reader.
//   RC-E2  every decrement of `counts` is acq_rel: all holders' accesses happen before
//          the free by whoever brings it to 0.
//
// Why reclamation is safe: a node is freed only when counts == 0 (I2), i.e. no link points
// to it and every reference — retirement's owner, each protection — has been paid back;
// RC-E2 orders every holder's accesses before the free. Garbage is automatic but not
// bounded: a stalled reader holding a list or queue node keeps its chain of successors.

internal import ReclaimBenchSupport
import Synchronization

/// Split reference counting: counted protections, nodes free themselves.
public final class ReferenceCountedDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): shared state is atomics, the registry and the deleter
    // table's mutex; the rest is immutable after init.
    public typealias Link = ReferenceCountedLink
    public typealias Participant = ReferenceCountedParticipant
    public typealias Guard = ReferenceCountedGuard
    public typealias HandOff = ReferenceCountedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .automatic, .crossThreadRelease] }
    @inlinable
    public static var nodeHeaderBytes: Int { ReferenceCountedNode.headerBytes }

    public static let descriptor = SchemeDescriptor(
        id: "rc", family: .referenceCounting,
        summary: "split counts: 16-bit local count in the link word, links and refs in the node; nodes free themselves",
        reference: "Vyukov (differential RC); Williams, C++ Concurrency in Action §7.2.4; folly AtomicSharedPtr",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes
    )

    enum Event: Int, CaseIterable {
        case normalizations, cascadeFrees
        var name: String {
            switch self {
            case .normalizations: "local_count_normalizations"
            case .cascadeFrees: "cascade_frees"
            }
        }
    }

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    let registry = ParticipantRegistry()
    /// Frees done outside a participant (a hand-off released by a thread of no domain).
    let freedOutsideParticipants = Atomic<UInt64>(0)
    /// Custom deleters of retired nodes, by address (rare: tests and torture).
    let deleters = Locked<[UInt: NodeDeleter]>([:])

    /// Set only by tests that plant a fault.
    let freesWhenUnlinked: Bool

    public convenience init(configuration: ReclaimerConfiguration) {
        self.init(configuration: configuration, plantedFault: .none)
    }

    /// Faults planted on purpose, so that tests can show a check fails.
    @_spi(Planted)
    public enum PlantedFault: Sendable {
        case none
        /// A node is freed when its last link goes, whoever still holds a protection.
        case freesWhenUnlinked
    }

    @_spi(Planted)
    public init(configuration: ReclaimerConfiguration, plantedFault: PlantedFault) {
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
        freesWhenUnlinked = plantedFault == .freesWhenUnlinked
    }

    public func register(slots: Int) -> ReferenceCountedParticipant {
        precondition((1...ReferenceCountedRecord.maximumSlots).contains(slots),
                     "rc: register(slots:) takes 1...\(ReferenceCountedRecord.maximumSlots) slots, got \(slots)")
        let record = registry.enroll(ReferenceCountedRecord.self, where: { $0.slotCapacity >= slots }) {
            ReferenceCountedRecord(domain: self, slots: slots)
        }
        return ReferenceCountedParticipant(domain: self, record: record)
    }

    /// A node owned by its creator (refs 1, no link), links null.
    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        let bytes = layout.allocationBytes(Self.self)
        let base = allocator.allocate(bytes: bytes)
        let node = base + ReferenceCountedNode.headerBytes
        precondition(UInt(bitPattern: node) >> 48 == 0, "rc: node address above 2^48 leaves no room for the local count")
        ReferenceCountedNode.initialize(node, allocationBytes: bytes, linkCount: layout.linkCount)
        let links = node.bindMemory(to: ReferenceCountedLink.self, capacity: layout.linkCount)
        for index in 0..<layout.linkCount { (links + index).initialize(to: ReferenceCountedLink(.null)) }
        return node
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node - ReferenceCountedNode.headerBytes, bytes: layout.allocationBytes(Self.self))
    }

    /// Nothing is deferred: nodes free themselves.
    public func collect() {}

    public func synchronize() {
        fatalError("rc.synchronize(): reference counting has no grace period (no .blockingSynchronize)")
    }

    public func barrier() {
        ThreadParticipants.trapIfInsideGuard("barrier()", scheme: Self.descriptor.id)
    }

    /// Nothing is deferred: every retired node nobody holds is already freed.
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
    }

    public func release(_ handOff: consuming ReferenceCountedHandOff) {
        precondition(handOff.domain === self, "rc: a hand-off released on another domain")
        if let node = handOff.node.node { releaseReference(node, record: nil) }
    }

    public var statistics: ReclaimerStatistics {
        registry.statistics(
            freedOutside: freedOutsideParticipants.load(ordering: .acquiring),
            peakPending: 0, events: Event.allCases.map(\.name))
    }

    /// Unbounded: a stalled reader keeps its node's chain of successors alive.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    // MARK: counting

    /// Pays back one reference (a protection, a retirement's owner); frees at zero (RC-E2).
    @usableFromInline
    func releaseReference(_ node: UnsafeMutableRawPointer, record: ReferenceCountedRecord?) {
        if ReferenceCountedNode.add(node, -1) == 0 { free(node, record: record) }
    }

    /// Drops a link's reference to the node in `word`, moving its local count (I1).
    @usableFromInline
    func dropLink(_ word: UInt, record: ReferenceCountedRecord?) {
        guard let node = ReferenceCountedLink.node(of: word) else { return }
        let delta = Int64(ReferenceCountedLink.localCount(of: word)) - ReferenceCountedNode.linkUnit
        let remaining = ReferenceCountedNode.add(node, delta)
        if remaining == 0 || (freesWhenUnlinked && remaining < ReferenceCountedNode.linkUnit / 2) {
            if freesWhenUnlinked { _ = ReferenceCountedNode.add(node, -remaining) }  // planted: forget the holders
            free(node, record: record)
        }
    }

    /// Frees `node` and, iteratively, every node whose last reference was one of its links (I3).
    @usableFromInline
    @inline(never)
    func free(_ node: UnsafeMutableRawPointer, record: ReferenceCountedRecord?) {
        var work = [node]
        var freed = 0
        while let current = work.popLast() {
            let linkCount = ReferenceCountedNode.linkCount(current)
            let links = current.assumingMemoryBound(to: ReferenceCountedLink.self)
            for index in 0..<linkCount {
                // ORDERING: relaxed; counts reached 0 with acquire (RC-E2): no one else
                // touches this node's links any more.
                let word = links[index].word.load(ordering: .relaxed)
                guard let target = ReferenceCountedLink.node(of: word) else { continue }
                let delta = Int64(ReferenceCountedLink.localCount(of: word)) - ReferenceCountedNode.linkUnit
                if ReferenceCountedNode.add(target, delta) == 0 { work.append(target) }
            }
            if ReferenceCountedNode.hasCustomDeleter(current),
               let deleter = deleters.withLock({ $0.removeValue(forKey: UInt(bitPattern: current)) }) {
                deleter.function(current, deleter.context)
            } else {
                allocator.free(current - ReferenceCountedNode.headerBytes, bytes: ReferenceCountedNode.allocationBytes(current))
            }
            freed += 1
        }
        if let record {
            record.bump(record.freedCount, by: UInt64(freed))
            if freed > 1 { record.bumpEvent(Event.cascadeFrees.rawValue, by: UInt64(freed - 1)) }
        } else {
            freedOutsideParticipants.add(UInt64(freed), ordering: .relaxed)  // ORDERING: a statistic
        }
    }

    /// Moves a link's local count into the node's refs before it can overflow (I1).
    @usableFromInline
    @inline(never)
    func normalize(_ link: UnsafeMutablePointer<ReferenceCountedLink>, record: ReferenceCountedRecord) {
        record.bumpEvent(Event.normalizations.rawValue)
        var word = link.pointee.word.load(ordering: .relaxed)
        while let node = ReferenceCountedLink.node(of: word) {
            let local = ReferenceCountedLink.localCount(of: word)
            guard local >= ReferenceCountedLink.normalizeAt / 2 else { return }
            // Add first, then clear: a replacer that sees the count still set transfers it
            // itself, and we take back what we added (the caller's own protection keeps
            // the node alive through the undo).
            _ = ReferenceCountedNode.add(node, Int64(local))
            let (exchanged, original) = link.pointee.word.compareExchange(
                expected: word, desired: word & ReferenceCountedLink.addressMask, ordering: .relaxed)
            if exchanged { return }
            _ = ReferenceCountedNode.add(node, -Int64(local))
            word = original
        }
    }

    func unregister(_ record: ReferenceCountedRecord) {
        precondition(record.hot.guardDepth == 0, "rc: a participant left inside its own guard")
        registry.leave(record)
    }

    func registerDeleter(_ deleter: NodeDeleter, for node: UnsafeMutableRawPointer) {
        ReferenceCountedNode.markCustomDeleter(node)
        deleters.withLock { $0[UInt(bitPattern: node)] = deleter }
    }
}

/// The 16-byte header before an rc node's payload: `counts` (atomic) and `meta` (size,
/// link count, custom-deleter flag; written once before the node is shared, except the
/// flag, written at retire by the owner before its reference is paid back).
@usableFromInline
enum ReferenceCountedNode {
    @inlinable static var headerBytes: Int { 16 }
    /// One link's share of `counts` (I1): refs live in the low 40 bits, signed.
    @inlinable static var linkUnit: Int64 { 1 << 40 }
    static let customDeleterFlag: UInt64 = 1 << 63

    @inlinable
    static func counts(_ node: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Atomic<Int64>> {
        // SAFETY: allocate(_:) bound the header's first word to Atomic<Int64>.
        (node - headerBytes).assumingMemoryBound(to: Atomic<Int64>.self)
    }

    static func meta(_ node: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt64> {
        (node - headerBytes + 8).assumingMemoryBound(to: UInt64.self)
    }

    static func initialize(_ node: UnsafeMutableRawPointer, allocationBytes: Int, linkCount: Int) {
        precondition(allocationBytes < 1 << 32 && linkCount < 1 << 16, "rc: node too large")
        (node - headerBytes).bindMemory(to: Atomic<Int64>.self, capacity: 1).initialize(to: Atomic(1))  // the owner
        (node - headerBytes + 8).bindMemory(to: UInt64.self, capacity: 1)
            .initialize(to: UInt64(allocationBytes) | UInt64(linkCount) << 32)
    }

    /// Adds `delta` to `counts` and returns the new value (RC-E2 for decrements).
    @inlinable
    static func add(_ node: UnsafeMutableRawPointer, _ delta: Int64) -> Int64 {
        // ORDERING[RC-E2]: acq_rel; the holder's accesses happen before the free of
        // whoever reaches 0, and that thread sees them all.
        counts(node).pointee.add(delta, ordering: .acquiringAndReleasing).newValue
    }

    static func allocationBytes(_ node: UnsafeMutableRawPointer) -> Int { Int(meta(node).pointee & 0xFFFF_FFFF) }
    static func linkCount(_ node: UnsafeMutableRawPointer) -> Int { Int((meta(node).pointee >> 32) & 0xFFFF) }
    static func hasCustomDeleter(_ node: UnsafeMutableRawPointer) -> Bool { meta(node).pointee & customDeleterFlag != 0 }
    static func markCustomDeleter(_ node: UnsafeMutableRawPointer) { meta(node).pointee |= customDeleterFlag }
}
