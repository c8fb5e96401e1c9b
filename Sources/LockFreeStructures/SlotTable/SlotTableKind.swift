import Reclamation

/// The slot table in the registry: slots (read-mostly with a writer, overcommit).
public enum SlotTableKind: StructureKind {
    public static let descriptor = StructureDescriptor(
        id: "slot-table", shape: .slots,
        summary: "fixed table of links to single-value nodes: reclamation without traversal",
        reference: "the kernel's refscale; McKenney, perfbook §9")

    @inlinable
    public static func accept<Visitor: StructureVisitor>(_ visitor: Visitor) -> Visitor.Output {
        visitor.visitSlots(SlotTable<Visitor.Domain>.self)
    }
}

extension SlotTable: SlotStructure {
    public typealias Domain = R
    public static var descriptor: StructureDescriptor { SlotTableKind.descriptor }
    public static var plainNodeLayout: NodeLayout { NodeLayout(links: 0, dataBytes: 8) }
    public static var timedNodeLayout: NodeLayout { NodeLayout(links: 0, dataBytes: 8) }
    public static var timedStampInData: Int { 0 }

    public static func make(domain: R, count: Int, using participant: borrowing R.Participant) -> Self {
        Self(domain: domain, count: count, payloadBytes: 0, using: participant, initialValue: { $0 })
    }
}

extension SlotTable.Reader: SlotReader {
    public typealias Domain = R
}
