import Synchronization

/// A thread registered with an epoch domain.
public struct EpochParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = EpochDomain
    @usableFromInline let domain: EpochDomain
    @usableFromInline let record: EpochRecord
    @usableFromInline let hot: HotHeader
    @usableFromInline let localEpoch: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let globalEpoch: UnsafeMutablePointer<Atomic<UInt64>>

    init(domain: EpochDomain, record: EpochRecord) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
        self.localEpoch = record.localEpoch
        self.globalEpoch = domain.globalEpoch
    }

    /// The outermost guard pins (publishes the epoch, full fence) and unpins (release
    /// store), then does the work a retire asked for.
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing EpochGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        if depth == 0 {
            // ORDERING[EBR-E1]: relaxed read: a stale epoch only holds the advance back.
            let epoch = globalEpoch.pointee.load(ordering: .relaxed)
            localEpoch.pointee.store((epoch &<< 1) | 1, ordering: .relaxed)
            // ORDERING[EBR-E1]: pairs with the fences in sealEpoch() and tryAdvance():
            // the pin is visible before any link this guard reads.
            atomicMemoryFence(ordering: .sequentiallyConsistent)
        }
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 {
                // ORDERING[EBR-E2]: release pairs with tryAdvance's acquire load.
                localEpoch.pointee.store(0, ordering: .releasing)
                if hot.pendingWork != 0 { domain.performDeferredWork(record) }
            }
        }
        return try body(EpochGuard(record: record))
    }

    public func flush() { domain.flush(record) }

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}

/// An epoch guard: whatever it reads stays allocated until the outermost guard ends.
@frozen
public struct EpochGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = EpochDomain
    @usableFromInline unowned(unsafe) let record: EpochRecord

    @inlinable
    init(record: EpochRecord) { self.record = record }

    @inlinable
    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        // ORDERING[EBR-E0]: acquire pairs with the release that published the node.
        link.pointee.load(.acquiring)
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
