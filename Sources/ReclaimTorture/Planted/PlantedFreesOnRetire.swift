import ReclaimBenchSupport
import ReclaimBenchKit
import Reclamation
#if canImport(Glibc)
import Glibc
#endif

/// Planted: `frees-on-retire`. Readers protect nothing (a plain acquire load, like `none`);
/// the correct scheme would keep every retired node until `drain()` once every
/// participant has left. The fault: `retire` frees at once, while a reader may hold the
/// node. Yield point: after the reader's load, every `PlantedYield.every`-th protect.
public final class PlantedFreesOnRetireDomain: Reclaimer, @unchecked Sendable {
    // SAFETY: `pending` is behind its lock; counters are atomic.
    public typealias Link = AtomicNodeLink
    public typealias Participant = PlantedFreesOnRetireParticipant
    public typealias Guard = PlantedFreesOnRetireGuard

    public static var capabilities: ReclaimerCapabilities { [.markedLinks] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }
    public static var descriptor: SchemeDescriptor {
        SchemeDescriptor(id: PlantedScheme.freesOnRetire.rawValue, family: .baseline,
                         summary: "planted: retire frees at once", reference: "ReclaimBench torture",
                         capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes)
    }

    public let configuration: ReclaimerConfiguration
    let counters = PlantedCounters()
    let pending = Locked<[PlantedRetired]>([])

    public init(configuration: ReclaimerConfiguration) { self.configuration = configuration }

    public func register(slots: Int) -> PlantedFreesOnRetireParticipant { PlantedFreesOnRetireParticipant(domain: self) }
    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer { PlantedNodes.allocate(layout, Self.self) }
    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { free(node) }
    public func collect() {}
    public func synchronize() { preconditionFailure("\(Self.descriptor.id) has no synchronize()") }
    public func barrier() { drain() }
    public func drain() {
        for entry in pending.withLock({ entries in defer { entries = [] }; return entries }) { counters.free(entry) }
    }
    public var statistics: ReclaimerStatistics { counters.statistics }
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }
}

public struct PlantedFreesOnRetireParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = PlantedFreesOnRetireDomain
    let domain: PlantedFreesOnRetireDomain
    let passes = Locked<Int>(0)

    init(domain: PlantedFreesOnRetireDomain) { self.domain = domain }

    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing PlantedFreesOnRetireGuard) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(PlantedFreesOnRetireGuard(domain: domain, passes: passes))
    }

    public func flush() {}
    public func quiescentState() {}
}

public struct PlantedFreesOnRetireGuard: ReclaimerGuard, ~Copyable {
    public typealias Domain = PlantedFreesOnRetireDomain
    let domain: PlantedFreesOnRetireDomain
    let passes: Locked<Int>

    public func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        let observed = link.pointee.load(.acquiring)
        if let node = observed.node, passes.withLock({ PlantedYield.due(&$0) }) { PlantedYield.reached(node) }
        return observed
    }

    public func resetProtection(slot: Int) {}

    public func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        retire(PlantedRetired(node: node, deleter: nil))
    }
    public func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) {
        retire(PlantedRetired(node: node, deleter: deleter))
    }

    func retire(_ entry: PlantedRetired) {
        domain.counters.noteRetired()
        // THE FAULT: the correct scheme appends to `pending` for drain().
        domain.counters.free(entry)
    }
}
