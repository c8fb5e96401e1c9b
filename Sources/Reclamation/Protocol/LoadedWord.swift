/// What `ReclaimerGuard.load` (and a compare-exchange's `original`) returns: a link's word
/// read without protecting its node.
///
/// It can be compared — with a `TaggedNode` or another loaded word, and given as a
/// compare-exchange's `expected` — and its tag bits and address read (the address to reach
/// the node's links and data only under a scheme with `.optimisticTraversal`). It cannot be
/// stored, or given as a compare-exchange's `desired`: under rc a stored word adds a count
/// to its node and under arc takes a strong reference, and the node of an unprotected word
/// may be freed already — storing it is a use-after-free (a Treiber push that loaded its
/// top instead of protecting it crashed rc in 2 of 3 processes, arc in 2 of 2). Only a
/// protected word (`protect`) or a fresh node (`TaggedNode(node)` of a node this thread
/// allocated and has not published) is storable. Where no link counts and every node reached
/// inside a guard stays allocated — a scheme with `.optimisticTraversal` — `guard.storable(_:)`
/// turns a loaded word into a storable one, and traps under any other scheme.
///
/// (`TaggedNode(loaded.node)` would launder the address; the type stops the mistake, not a
/// deliberate conversion, which review must.)
@frozen
public struct LoadedWord: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline let word: TaggedNode

    /// For a scheme's `load` and `compareExchange`: the word it read from the link.
    @inlinable
    public init(unprotected word: TaggedNode) { self.word = word }

    /// The node's address without tag bits, or nil.
    @inlinable public var node: UnsafeMutableRawPointer? { word.node }
    @inlinable public var tag: UInt { word.tag }
    @inlinable public var isMarked: Bool { word.isMarked }
    @inlinable public var isNull: Bool { word.isNull }

    @inlinable public static func == (a: LoadedWord, b: TaggedNode) -> Bool { a.word == b }
    @inlinable public static func == (a: TaggedNode, b: LoadedWord) -> Bool { a == b.word }
    @inlinable public static func != (a: LoadedWord, b: TaggedNode) -> Bool { a.word != b }
    @inlinable public static func != (a: TaggedNode, b: LoadedWord) -> Bool { a != b.word }

    public var description: String { word.description }
}

extension ReclaimerGuard where Self: ~Copyable {
    /// Compares and exchanges with a loaded word as the expected value (comparing needs no
    /// protection; the desired value must be storable).
    @inlinable
    public func compareExchange(
        _ link: UnsafeMutablePointer<Domain.Link>, expected: LoadedWord, desired: TaggedNode, _ ordering: LinkUpdateOrdering
    ) -> (exchanged: Bool, original: LoadedWord) {
        compareExchange(link, expected: expected.word, desired: desired, ordering)
    }

    /// A loaded word as a value to store or compare-exchange in: only under a scheme with
    /// `.optimisticTraversal` (no link counts, and a node reached inside the guard stays
    /// allocated until it ends) — Harris's traversal unlinks to, and links before, nodes it
    /// only loaded. Traps under any other scheme (a static check: it folds away).
    @inlinable
    public func storable(_ word: LoadedWord) -> TaggedNode {
        if !Domain.capabilities.contains(.optimisticTraversal) {
            fatalError("\(Domain.descriptor.id): a loaded word is storable only under .optimisticTraversal; protect it instead")
        }
        return word.word
    }
}
