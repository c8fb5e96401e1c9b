/// The shape of a node's payload: `linkCount` links of the scheme's `Link` type first,
/// then `dataBytes` of the structure's own data. The scheme's header, if it has one, sits
/// before the payload; the payload address is what structures hold.
@frozen
public struct NodeLayout: Hashable, Sendable {
    public let linkCount: Int
    public let dataBytes: Int

    @inlinable
    public init(links: Int, dataBytes: Int) {
        precondition(links >= 0 && dataBytes >= 0, "NodeLayout needs non-negative sizes")
        self.linkCount = links
        self.dataBytes = dataBytes
    }

    /// Byte offset of the data after the links, for scheme `R` (8-byte aligned).
    @inlinable
    public func dataOffset<R: Reclaimer>(_ scheme: R.Type) -> Int {
        (linkCount * MemoryLayout<R.Link>.stride + 7) & ~7
    }

    /// Payload bytes (links + data) for scheme `R`.
    @inlinable
    public func payloadBytes<R: Reclaimer>(_ scheme: R.Type) -> Int {
        dataOffset(scheme) + ((dataBytes + 7) & ~7)
    }

    /// Bytes asked of the allocator: header + payload, rounded to 16 (the node alignment).
    @inlinable
    public func allocationBytes<R: Reclaimer>(_ scheme: R.Type) -> Int {
        (R.nodeHeaderBytes + payloadBytes(scheme) + 15) & ~15
    }

    /// The `index`th link of `node`.
    @inlinable
    public func link<R: Reclaimer>(
        _ node: UnsafeMutableRawPointer, _ index: Int, _ scheme: R.Type
    ) -> UnsafeMutablePointer<R.Link> {
        assert(index < linkCount)
        // SAFETY: allocate(_:) bound the first linkCount strides of the payload to R.Link.
        return node.assumingMemoryBound(to: R.Link.self) + index
    }

    /// The structure's data in `node`.
    @inlinable
    public func data<R: Reclaimer>(_ node: UnsafeMutableRawPointer, _ scheme: R.Type) -> UnsafeMutableRawPointer {
        node + dataOffset(scheme)
    }
}
