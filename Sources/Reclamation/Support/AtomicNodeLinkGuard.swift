import Synchronization

/// Link access for every guard whose scheme's link is the plain word (`AtomicNodeLink`):
/// none, hp, ebr. A structure's load/store/compare-exchange is then exactly one atomic
/// instruction; only `protect` differs between these schemes.
extension ReclaimerGuard where Self: ~Copyable, Domain.Link == AtomicNodeLink {
    @inlinable
    public func load(_ link: UnsafeMutablePointer<AtomicNodeLink>, _ ordering: LinkLoadOrdering) -> LoadedWord {
        LoadedWord(unprotected: link.pointee.load(ordering))
    }

    @inlinable
    public func store(_ link: UnsafeMutablePointer<AtomicNodeLink>, _ desired: TaggedNode, _ ordering: LinkStoreOrdering) {
        link.pointee.store(desired, ordering)
    }

    @inlinable
    public func compareExchange(
        _ link: UnsafeMutablePointer<AtomicNodeLink>, expected: TaggedNode, desired: TaggedNode,
        _ ordering: LinkUpdateOrdering
    ) -> (exchanged: Bool, original: LoadedWord) {
        let (exchanged, original) = link.pointee.compareExchange(expected: expected, desired: desired, ordering)
        return (exchanged, LoadedWord(unprotected: original))
    }
}

extension Reclaimer where Link == AtomicNodeLink {
    /// Allocation shared by the schemes without a node header: links initialized null.
    @usableFromInline
    func allocatePlainNode(_ layout: NodeLayout, allocator: NodeAllocator) -> UnsafeMutableRawPointer {
        let node = allocator.allocate(bytes: layout.allocationBytes(Self.self)) + Self.nodeHeaderBytes
        let links = node.bindMemory(to: AtomicNodeLink.self, capacity: layout.linkCount)
        for index in 0..<layout.linkCount { (links + index).initialize(to: AtomicNodeLink(.null)) }
        return node
    }
}
