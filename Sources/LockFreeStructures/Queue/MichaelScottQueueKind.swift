import Reclamation

/// The Michael–Scott queue in the registry: a pool (every dequeue retires the old dummy).
public enum MichaelScottQueueKind: StructureKind {
    public static let descriptor = StructureDescriptor(
        id: "michael-scott-queue", shape: .pool,
        summary: "lock-free FIFO with a dummy head; every dequeue retires a node",
        reference: "M. M. Michael and M. L. Scott, PODC 1996")

    @inlinable
    public static func accept<Visitor: StructureVisitor>(_ visitor: Visitor) -> Visitor.Output {
        visitor.visitPool(MichaelScottQueue<Visitor.Domain>.self)
    }
}

extension MichaelScottQueue: PoolStructure {
    public typealias Domain = R
    public static var descriptor: StructureDescriptor { MichaelScottQueueKind.descriptor }
    public static var plainNodeLayout: NodeLayout { NodeLayout(links: 1, dataBytes: 8) }
    public static var timedNodeLayout: NodeLayout { NodeLayout(links: 1, dataBytes: 16) }
    public static var timedStampInData: Int { 8 }

    public static func make(domain: R, timing: RetireTiming?, using participant: borrowing R.Participant) -> Self {
        Self(domain: domain, payloadBytes: timing == nil ? 0 : 8, timing: timing, using: participant)
    }

    @inlinable public func put(_ value: Int, using participant: borrowing R.Participant) { enqueue(value, using: participant) }
    @inlinable public func take(using participant: borrowing R.Participant) -> Int? { dequeue(using: participant) }
    public func drainQuiescent(using participant: borrowing R.Participant) { _ = removeAllQuiescent(using: participant) }
}
