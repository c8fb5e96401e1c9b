import Synchronization

/// Orderings a structure may ask of a link. Synchronization's `Atomic` needs its ordering
/// at compile time, so links take these enums and switch; inlined and specialized, the
/// switch folds away.
public enum LinkLoadOrdering: Sendable { case relaxed, acquiring }
public enum LinkStoreOrdering: Sendable { case relaxed, releasing }
public enum LinkUpdateOrdering: Sendable { case acquiring, releasing, acquiringAndReleasing, sequentiallyConsistent }

/// The atomic word inside a node (or a root) that points to another node: a scheme's
/// `Link` type. It lives at a stable address (inside `mallocx` memory or a class), so it
/// is `~Copyable` and used through `UnsafeMutablePointer<Link>`.
///
/// A structure reads and writes links only through a guard (`ReclaimerGuard.load`,
/// `protect`, `store`, `compareExchange`), because some schemes do more than an atomic
/// access there: split reference counting moves counts on every store and exchange. The
/// requirements below are the raw word operations for schemes whose link *is* the word.
public protocol NodeLink: ~Copyable {
    /// A link holding `initial`. For counted schemes `initial` must be null: a fresh node's
    /// links are set through the guard.
    init(_ initial: TaggedNode)
}

/// The plain link: one atomic word holding a `TaggedNode`. Used by every scheme that does
/// not count references (none, hp, ebr).
@frozen
public struct AtomicNodeLink: NodeLink, ~Copyable {
    @usableFromInline
    let word: Atomic<UInt>

    @inlinable
    public init(_ initial: TaggedNode) { word = Atomic(initial.bits) }

    @inlinable
    public func load(_ ordering: LinkLoadOrdering) -> TaggedNode {
        switch ordering {
        case .relaxed: TaggedNode(bits: word.load(ordering: .relaxed))
        case .acquiring: TaggedNode(bits: word.load(ordering: .acquiring))
        }
    }

    /// A sequentially consistent load: the re-validation of hazard-pointer protection.
    @inlinable
    public func loadSequentiallyConsistent() -> TaggedNode {
        TaggedNode(bits: word.load(ordering: .sequentiallyConsistent))
    }

    @inlinable
    public func store(_ desired: TaggedNode, _ ordering: LinkStoreOrdering) {
        switch ordering {
        case .relaxed: word.store(desired.bits, ordering: .relaxed)
        case .releasing: word.store(desired.bits, ordering: .releasing)
        }
    }

    @inlinable
    public func compareExchange(
        expected: TaggedNode, desired: TaggedNode, _ ordering: LinkUpdateOrdering
    ) -> (exchanged: Bool, original: TaggedNode) {
        let result: (exchanged: Bool, original: UInt)
        switch ordering {
        case .acquiring:
            result = word.compareExchange(expected: expected.bits, desired: desired.bits, ordering: .acquiring)
        case .releasing:
            result = word.compareExchange(expected: expected.bits, desired: desired.bits, ordering: .releasing)
        case .acquiringAndReleasing:
            result = word.compareExchange(expected: expected.bits, desired: desired.bits, ordering: .acquiringAndReleasing)
        case .sequentiallyConsistent:
            result = word.compareExchange(expected: expected.bits, desired: desired.bits, ordering: .sequentiallyConsistent)
        }
        return (result.exchanged, TaggedNode(bits: result.original))
    }
}
