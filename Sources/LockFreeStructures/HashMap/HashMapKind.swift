import Reclamation

/// The hash map in the registry: keyed, for every scheme whose links carry a mark bit.
public enum HashMapKind: StructureKind {
    public static let descriptor = StructureDescriptor(
        id: "hash-map", shape: .keyed,
        summary: "fixed array of Harris–Michael buckets, keys spread by Fibonacci hashing",
        reference: "M. M. Michael, SPAA 2002", requires: [.markedLinks])

    @inlinable
    public static func accept<Visitor: StructureVisitor>(_ visitor: Visitor) -> Visitor.Output {
        visitor.visitKeyed(LockFreeHashMap<Visitor.Domain>.self)
    }
}

extension LockFreeHashMap: KeyedStructure {
    public typealias Domain = R
    public static var descriptor: StructureDescriptor { HashMapKind.descriptor }
    public static var plainNodeLayout: NodeLayout { ListNodeShape(payloadBytes: 0).layout }
    public static var timedNodeLayout: NodeLayout { ListNodeShape(payloadBytes: 8).layout }
    public static var timedStampInData: Int { 16 }

    /// One bucket per key; timed nodes carry 8 payload bytes for the stamp.
    public static func make(domain: R, keyRange: Int, timing: RetireTiming?) -> Self {
        Self(domain: domain, bucketCount: keyRange, payloadBytes: timing == nil ? 0 : 8, timing: timing)
    }
}
