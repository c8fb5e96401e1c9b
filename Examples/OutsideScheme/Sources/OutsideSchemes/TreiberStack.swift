// A Treiber stack written outside ReclaimBench, generic over the scheme: R. K. Treiber,
// "Systems programming: coping with parallelism", IBM RJ 5118, 1986; with hazard pointers
// as in M. M. Michael, IEEE TPDS 15(6), 2004, §5 (the top and its next both protected, so
// that neither a freed node is read nor a freed address is stored).
//
// As a pool structure it gets the reclaim-latency workload: every take retires a node.
//
// Orderings: a put writes its node (value, next) before the acq_rel CAS that publishes it;
// a take protects the top (acquire or stronger), reads the value before its CAS, and
// retires the node it unlinked.

import LockFreeStructures
import Reclamation

public enum TreiberStackKind: StructureKind {
    public static let descriptor = StructureDescriptor(
        id: "treiber-stack", shape: .pool,
        summary: "an outside package's lock-free LIFO; every pop retires a node",
        reference: "Treiber 1986; Michael 2004 (Examples/OutsideScheme)")

    public static func accept<Visitor: StructureVisitor>(_ visitor: Visitor) -> Visitor.Output {
        visitor.visitPool(TreiberStack<Visitor.Domain>.self)
    }
}

public final class TreiberStack<R: Reclaimer>: PoolStructure, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the top is the scheme's atomic link, touched only
    // through guards; everything else is immutable after init.
    public typealias Domain = R
    // The operations are `@inlinable` and these fields `@usableFromInline`, for the reason
    // OutsideEpochDomain gives: the cells are compiled in the executable's module.
    @usableFromInline let domain: R
    @usableFromInline let top: UnsafeMutablePointer<R.Link>
    public let nodeLayout: NodeLayout
    @usableFromInline let timing: RetireTiming?
    /// Plants a structural fault for the tests: pop returns the next node's value.
    @usableFromInline let popsWrongValue: Bool

    public static var descriptor: StructureDescriptor { TreiberStackKind.descriptor }
    /// The top, and the top's next.
    public static var slotsNeeded: Int { 2 }
    public static var plainNodeLayout: NodeLayout { NodeLayout(links: 1, dataBytes: 8) }
    public static var timedNodeLayout: NodeLayout { NodeLayout(links: 1, dataBytes: 16) }
    public static var timedStampInData: Int { 8 }

    public init(domain: R, timing: RetireTiming?, popsWrongValue: Bool = false) {
        self.domain = domain
        nodeLayout = timing == nil ? Self.plainNodeLayout : Self.timedNodeLayout
        self.timing = timing.map { RetireTiming(deleter: $0.deleter, stampOffset: Self.timedStampInData) }
        self.popsWrongValue = popsWrongValue
        top = .allocate(capacity: 1)
        top.initialize(to: R.Link(.null))
    }

    deinit {
        top.deinitialize(count: 1)
        top.deallocate()
    }

    public static func make(domain: R, timing: RetireTiming?, using participant: borrowing R.Participant) -> TreiberStack<R> {
        TreiberStack(domain: domain, timing: timing)
    }

    @inlinable
    public func put(_ value: Int, using participant: borrowing R.Participant) {
        let node = domain.allocate(nodeLayout)
        nodeLayout.data(node, R.self).storeBytes(of: value, as: Int.self)
        participant.withGuard { guardian in
            while true {
                let old = guardian.protect(top, slot: 0)
                guardian.store(nodeLayout.link(node, 0, R.self), old, .relaxed)
                if guardian.compareExchange(top, expected: old, desired: TaggedNode(node), .acquiringAndReleasing).exchanged {
                    break
                }
            }
            guardian.resetProtection(slot: 0)
        }
    }

    @inlinable
    public func take(using participant: borrowing R.Participant) -> Int? {
        participant.withGuard { guardian in
            while true {
                let old = guardian.protect(top, slot: 0)
                guard let node = old.node else { return nil }
                let next = guardian.protect(nodeLayout.link(node, 0, R.self), slot: 1)
                let data = nodeLayout.data(node, R.self)
                var value = data.load(as: Int.self)
                if popsWrongValue, let nextNode = next.node { value = nodeLayout.data(nextNode, R.self).load(as: Int.self) }
                if guardian.compareExchange(top, expected: old, desired: next, .acquiringAndReleasing).exchanged {
                    if let timing { timing.retire(node, data: data, in: guardian, R.self) } else { guardian.retire(node, nodeLayout) }
                    return value
                }
            }
        }
    }

    public func drainQuiescent(using participant: borrowing R.Participant) {
        while take(using: participant) != nil {}
    }
}
