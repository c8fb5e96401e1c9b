import Synchronization

/// rc's link: one word, [local count : 16 | node address and tag bits : 48].
@frozen
public struct ReferenceCountedLink: NodeLink, ~Copyable {
    @usableFromInline let word: Atomic<UInt>

    @inlinable static var addressMask: UInt { (1 << 48) - 1 }
    @inlinable static var localUnit: UInt { 1 << 48 }
    /// A protect that sees the local count reach this moves it into the node (normalize).
    @inlinable static var normalizeAt: UInt { 1 << 14 }

    /// A null link. (A link gets a node only through a guard, which counts it.)
    @inlinable
    public init(_ initial: TaggedNode) {
        precondition(initial.isNull, "rc: a link is set to a node only through a guard (counts must move)")
        word = Atomic(initial.bits)
    }

    @inlinable
    static func node(of word: UInt) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: word & addressMask & ~TaggedNode.tagMask)
    }

    @inlinable
    static func localCount(of word: UInt) -> UInt { word >> 48 }

    @inlinable
    static func tagged(_ word: UInt) -> TaggedNode { TaggedNode(bits: word & addressMask) }
}
