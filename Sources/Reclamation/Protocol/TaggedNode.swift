/// The full word a link holds: a node's address with tag bits in its low bits.
/// (Constants here and in hot types are computed `@inlinable` properties, not `static let`:
/// a global `let` of a struct is reached through a `swift_once` addressor call.)
///
/// Nodes are at least 16-byte aligned (jemalloc's and glibc's smallest alignment on
/// x86-64), so the low bits of an address are free. Bit 0 is the *mark* of Harris's list
/// (the node is logically deleted); bits 1–2 are free for structures. A link's scheme may
/// keep more state in its own word (a reference count in the high bits, say), but it never
/// shows it here: a `TaggedNode` is what a structure compares and stores.
@frozen
public struct TaggedNode: Hashable, Sendable, CustomStringConvertible {
    /// The bits an address leaves free for tags.
    @inlinable public static var tagMask: UInt { 0b111 }
    /// Harris's mark: the node holding this link is logically deleted.
    @inlinable public static var markBit: UInt { 0b001 }

    /// Address and tag bits together.
    public let bits: UInt

    @inlinable
    public init(bits: UInt) { self.bits = bits }

    /// A node's address with tag bits; `node` must be 16-byte aligned.
    @inlinable
    public init(_ node: UnsafeMutableRawPointer?, tag: UInt = 0) {
        assert(tag & ~Self.tagMask == 0, "tag bits outside TaggedNode.tagMask")
        self.bits = UInt(bitPattern: node) | tag
    }

    /// The null link (no node, no tag).
    @inlinable public static var null: TaggedNode { TaggedNode(bits: 0) }

    /// The node's address without tag bits, or nil.
    @inlinable
    public var node: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: bits & ~Self.tagMask) }

    /// The node's address bits without tags (0 for no node).
    @inlinable
    public var addressBits: UInt { bits & ~Self.tagMask }

    @inlinable
    public var tag: UInt { bits & Self.tagMask }

    @inlinable
    public var isMarked: Bool { bits & Self.markBit != 0 }

    @inlinable
    public var isNull: Bool { addressBits == 0 }

    @inlinable
    public func marked() -> TaggedNode { TaggedNode(bits: bits | Self.markBit) }

    @inlinable
    public func unmarked() -> TaggedNode { TaggedNode(bits: bits & ~Self.markBit) }

    public var description: String {
        "0x" + String(addressBits, radix: 16) + (tag == 0 ? "" : "|\(tag)")
    }
}
