import Reclamation

/// The Harris–Michael list in the registry: keyed, and out of the presets (it is the hash
/// map's bucket; `--structures harris-michael-list` runs it on its own).
public enum HarrisMichaelListKind: StructureKind {
    public static let descriptor = StructureDescriptor(
        id: "harris-michael-list", shape: .keyed,
        summary: "sorted lock-free list, marked next links, unlinking by any traverser",
        reference: "T. L. Harris, DISC 2001; M. M. Michael, SPAA 2002", requires: [.markedLinks], inPresets: false)

    @inlinable
    public static func accept<Visitor: StructureVisitor>(_ visitor: Visitor) -> Visitor.Output {
        visitor.visitKeyed(HarrisMichaelList<Visitor.Domain>.self)
    }
}

extension HarrisMichaelList: KeyedStructure {
    public typealias Domain = R
    public static var descriptor: StructureDescriptor { HarrisMichaelListKind.descriptor }
    public static var plainNodeLayout: NodeLayout { ListNodeShape(payloadBytes: 0).layout }
    public static var timedNodeLayout: NodeLayout { ListNodeShape(payloadBytes: 8).layout }
    public static var timedStampInData: Int { 16 }

    public static func make(domain: R, keyRange: Int, timing: RetireTiming?) -> Self {
        Self(domain: domain, payloadBytes: timing == nil ? 0 : 8, timing: timing)
    }
}
