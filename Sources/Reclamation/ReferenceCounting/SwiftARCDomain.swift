// arc — what a Swift developer gets by default: class nodes held by strong references in
// swift-atomics' ManagedAtomic (AtomicReference). The baseline that shows what the other
// schemes save. swift-atomics implements a strong atomic load with a double-word
// compare-exchange that counts readers in the second word (its own split count), so a load
// never races with the release of the object it returns.
//
// Shared state: a node is a ManagedBuffer object (header, then the payload as its
// elements); a link is a ManagedAtomic<SwiftARCNode?> box, allocated per link; per thread
// (owner-only, hot block) the strong references each slot holds.
//
// Invariants:
//   I1. A node lives while anything holds a strong reference: a link (its box), a slot,
//       a hand-off token, or its creator until it is retired (retire releases that one).
//   I2. The payload address is a fixed offset from the object: structures hold the
//       payload, the scheme converts without touching reference counts.
//
// Edges: ARC's own (atomic retain/release, acq_rel on the last release) and the box's
// acquire load / release store; nothing of ours orders memory.
//
// Why reclamation is safe: ARC frees an object only after its last strong reference goes;
// a protection is one. Not bounded: a stalled reader keeps a node and, through its links,
// the chain behind it. No mark bit in a strong reference, so it cannot run Harris's list
// (or the hash map built of them); releasing a long chain recurses through deinit.

import Atomics

/// Swift ARC nodes behind ManagedAtomic strong references.
public final class SwiftARCDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): shared state is the registry and ARC-managed objects.
    public typealias Link = SwiftARCLink
    public typealias Participant = SwiftARCParticipant
    public typealias Guard = SwiftARCGuard
    public typealias HandOff = SwiftARCHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.automatic, .crossThreadRelease] }
    @inlinable
    public static var nodeHeaderBytes: Int { SwiftARCNode.payloadOffset }

    public static let descriptor = SchemeDescriptor(
        id: "arc", family: .referenceCounting,
        summary: "Swift class nodes behind swift-atomics ManagedAtomic strong references (the default)",
        reference: "Swift ARC; swift-atomics AtomicReference",
        capabilities: capabilities,
        nodeHeaderBytes: nodeHeaderBytes,  // checked against ManagedBuffer by a test
        linkOverheadBytes: SwiftARCLink.boxBytes,
        deleterMayKeepNode: false
    )

    public let configuration: ReclaimerConfiguration
    let registry = ParticipantRegistry()

    /// The computed payload offset agrees with ManagedBuffer's own (checked by a test).
    @_spi(Testing)
    public static var payloadOffsetMatchesManagedBuffer: Bool {
        SwiftARCNode.payloadOffset == SwiftARCNode.measuredPayloadOffset()
    }
    /// Frees seen on threads without a participant of this domain.
    let freedElsewhere = ManagedAtomic<UInt64>(0)

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
    }

    public func register(slots: Int) -> SwiftARCParticipant {
        precondition((1...SwiftARCRecord.maximumSlots).contains(slots),
                     "arc: register(slots:) takes 1...\(SwiftARCRecord.maximumSlots) slots, got \(slots)")
        let record = registry.enroll(SwiftARCRecord.self, where: { $0.slotCapacity >= slots }) {
            SwiftARCRecord(domain: self, slots: slots)
        }
        return SwiftARCParticipant(domain: self, record: record)
    }

    /// A node held by its creator until retired (I1).
    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        let node = SwiftARCNode.make(layout: layout, domain: self)
        return Unmanaged.passRetained(node).takeUnretainedValue().payload
    }

    /// Drops the creator's reference of a node that was never published (or, inside a
    /// custom deleter, nothing: ARC is already freeing it).
    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        let object = SwiftARCNode.object(at: node)
        guard !object.isDying else { return }
        object.discard()
        Unmanaged.passUnretained(object).release()
    }

    public func collect() {}

    public func synchronize() {
        fatalError("arc.synchronize(): reference counting has no grace period (no .blockingSynchronize)")
    }

    public func barrier() {
        ThreadParticipants.trapIfInsideGuard("barrier()", scheme: Self.descriptor.id)
    }

    /// Nothing is deferred: every retired node nobody holds is already freed.
    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
    }

    public func release(_ handOff: consuming SwiftARCHandOff) {
        precondition(handOff.domain === self, "arc: a hand-off released on another domain")
        handOff.object = nil
    }

    public var statistics: ReclaimerStatistics {
        registry.statistics(freedOutside: freedElsewhere.load(ordering: .acquiring), peakPending: 0, events: [])
    }

    /// Unbounded: a stalled reader keeps its node's chain alive.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    /// A node's deinit: count the free on this thread's record, if it has one here.
    func noteFreed() {
        let own = ThreadParticipants.records(in: ObjectIdentifier(self))
        if let record = own.first { record.bump(record.freedCount) } else { freedElsewhere.wrappingIncrement(ordering: .relaxed) }
    }

    func unregister(_ record: SwiftARCRecord) {
        precondition(record.hot.guardDepth == 0, "arc: a participant left inside its own guard")
        registry.leave(record)
    }
}

/// A node: a ManagedBuffer whose elements are the payload (links, then data).
@usableFromInline
final class SwiftARCNode: ManagedBuffer<SwiftARCNode.Header, UInt64>, AtomicReference {
    // SAFETY: the header is written by the creator before publication and by the retiring
    // thread before it releases the creator's reference; ARC orders both before deinit.
    @usableFromInline
    struct Header {
        var linkCount: Int
        var deleter: NodeDeleter?
        var discarded = false
        var dying = false
        /// nil only for the layout probe below.
        unowned(unsafe) let domain: SwiftARCDomain?
    }

    /// Bytes from the object's start to its payload: the object header (16 bytes), then
    /// `Header`, rounded to the elements' alignment — ManagedBuffer's layout. A test checks it
    /// against `withUnsafeMutablePointerToElements`.
    @inlinable
    static var payloadOffset: Int { (16 + MemoryLayout<Header>.size + 7) & ~7 }

    /// The offset as ManagedBuffer itself reports it (the pointer is used inside the closure
    /// only: a pointer escaped from `withUnsafeMutablePointerToElements` and written through
    /// later was miscompiled in release builds — the links landed elsewhere).
    static func measuredPayloadOffset() -> Int {
        let probe = SwiftARCNode.create(minimumCapacity: 1) { _ in Header(linkCount: 0, domain: nil) } as! SwiftARCNode
        let offset = probe.withUnsafeMutablePointerToElements { elements in
            UnsafeMutableRawPointer(elements) - Unmanaged.passUnretained(probe).toOpaque()
        }
        probe.discard()  // its deinit must not report a free
        return offset
    }

    static func make(layout: NodeLayout, domain: SwiftARCDomain) -> SwiftARCNode {
        let words = (layout.payloadBytes(SwiftARCDomain.self) + 7) / 8
        let node = SwiftARCNode.create(minimumCapacity: max(words, 1)) { _ in
            Header(linkCount: layout.linkCount, domain: domain)
        } as! SwiftARCNode
        node.withUnsafeMutablePointerToElements { elements in
            let links = UnsafeMutableRawPointer(elements).bindMemory(to: SwiftARCLink.self, capacity: layout.linkCount)
            for index in 0..<layout.linkCount { (links + index).initialize(to: SwiftARCLink(.null)) }
        }
        return node
    }

    /// The payload address (stable for the object's life), by address arithmetic on the
    /// object (no escaping closure pointer).
    @usableFromInline
    var payload: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() + Self.payloadOffset }

    /// The node whose payload is at `address`, without touching its reference count (I2).
    @usableFromInline
    static func object(at address: UnsafeMutableRawPointer) -> SwiftARCNode {
        Unmanaged<SwiftARCNode>.fromOpaque(address - payloadOffset).takeUnretainedValue()
    }

    var isDying: Bool { header.dying }
    func discard() { header.discarded = true }
    func setDeleter(_ deleter: NodeDeleter) { header.deleter = deleter }

    deinit {
        header.dying = true
        let links = payload.assumingMemoryBound(to: SwiftARCLink.self)
        // Release successors iteratively: dropping a link's strong reference inside deinit
        // would run the successor's deinit inside this one, and a reader that held an old
        // queue node while thousands were dequeued behind it would release the whole chain
        // recursively (a stack overflow, seen under TSan). The idiom careful Swift code uses
        // for linked lists: take each successor out; while we hold its only reference,
        // empty its links too, so that its own deinit has nothing to release.
        var pending: [SwiftARCNode] = []
        for index in 0..<header.linkCount {
            if let successor = links[index].box.exchange(nil, ordering: .acquiringAndReleasing) { pending.append(successor) }
        }
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) {
                let successorLinks = node.payload.assumingMemoryBound(to: SwiftARCLink.self)
                for index in 0..<node.header.linkCount {
                    if let successor = successorLinks[index].box.exchange(nil, ordering: .acquiringAndReleasing) {
                        pending.append(successor)
                    }
                }
            }
        }  // each `node` is released here, its links already empty
        links.deinitialize(count: header.linkCount)  // the boxes themselves
        guard !header.discarded else { return }
        if let deleter = header.deleter { deleter.function(payload, deleter.context) }
        header.domain?.noteFreed()
    }
}

/// arc's link: a ManagedAtomic strong reference, in its own heap box.
@frozen
public struct SwiftARCLink: NodeLink, ~Copyable {
    @usableFromInline let box: ManagedAtomic<SwiftARCNode?>

    /// A ManagedAtomic object: header and a double word.
    static let boxBytes = 32

    @inlinable
    public init(_ initial: TaggedNode) {
        precondition(initial.isNull, "arc: a link is set to a node only through a guard")
        box = ManagedAtomic(nil)
    }
}
