// urcu-memb — liburcu's memb flavor with call_rcu (Desnoyers et al., IEEE TPDS 23(2),
// 2012; Debian liburcu-dev 0.13), behind the Reclaimer protocol as the C reference for
// `rcu`. The algorithm is liburcu's: urcu_memb_read_lock / _unlock (inline: the thread's
// nesting counter snapshots the grace-period counter; a compiler barrier when liburcu found
// sys_membarrier at start-up, else a full fence — `rl_urcu_memb_has_sys_membarrier`),
// urcu_memb_synchronize_rcu (membarrier, then waits for old readers), urcu_memb_call_rcu on
// liburcu's call_rcu thread, urcu_memb_barrier.
//
// What this file adds is what LiburcuQSBRDomain adds (the 48-byte header, per-domain
// registration counted per thread, the freed counter; edges URCU-E1/E2 there), without
// the quiescent states: memb readers need none. liburcu's call_rcu has no backlog bound
// (rcu's `callback_backlog_bound` has no counterpart): garbage is unbounded.

import CReferenceLibraries

/// liburcu's memb flavor with call_rcu (C), as the reference for `rcu`.
public final class LiburcuMembDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): liburcu's state is the library's; ours is LiburcuState.
    public typealias Link = AtomicNodeLink
    public typealias Participant = LiburcuMembParticipant
    public typealias Guard = ReadSectionGuard<LiburcuMembDomain>
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .blockingSynchronize, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { Int(RL_URCU_HEADER_BYTES) }

    public static let descriptor = SchemeDescriptor(
        id: "urcu-memb", family: .gracePeriods,
        summary: "liburcu memb: counter snapshot + compiler barrier on read, membarrier in synchronize, call_rcu worker",
        reference: "Desnoyers et al., IEEE TPDS 2012: liburcu memb + call_rcu (C library; the reference for rcu)",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, helperThreads: 1,
        library: "liburcu"
    )

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    @usableFromInline let state: LiburcuState

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
        state = LiburcuState(flavor: .memb, configuration: configuration, allocator: allocator)
    }

    /// True when liburcu uses sys_membarrier (readers pay a compiler barrier only).
    public static var usesSysMembarrier: Bool { rl_urcu_memb_has_sys_membarrier() != 0 }

    public func register(slots: Int) -> LiburcuMembParticipant {
        precondition(slots >= 0, "urcu-memb: register(slots:) needs a non-negative slot count, got \(slots)")
        return LiburcuMembParticipant(domain: self, record: state.register(self, schemeID: Self.descriptor.id))
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        allocatePlainNode(layout, allocator: allocator)
    }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) {
        allocator.free(node - Self.nodeHeaderBytes, bytes: layout.allocationBytes(Self.self))
    }

    /// Nothing to do: liburcu's call_rcu thread frees on its own schedule.
    public func collect() {}

    /// synchronize_rcu (liburcu takes a calling online qsbr thread offline meanwhile).
    public func synchronize() { state.synchronize(scheme: Self.descriptor.id) }

    public func barrier() { drain() }

    /// rcu_barrier: every node retired before the call (call_rcu queued it at once) freed.
    public func drain() { state.drain(scheme: Self.descriptor.id) }

    public var statistics: ReclaimerStatistics { state.statistics }

    /// Unbounded: a reader stalled in its section holds every grace period.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }
}

/// A thread registered with a urcu-memb domain.
public struct LiburcuMembParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = LiburcuMembDomain
    @usableFromInline let domain: LiburcuMembDomain
    @usableFromInline let record: LiburcuRecord

    init(domain: LiburcuMembDomain, record: LiburcuRecord) {
        self.domain = domain
        self.record = record
    }

    /// Every guard is a liburcu read-side section: liburcu keeps the nesting (its reader
    /// counter's nest bits), so the guard keeps no depth of its own.
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReadSectionGuard<LiburcuMembDomain>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        rl_urcu_memb_read_lock()
        defer { rl_urcu_memb_read_unlock() }
        return try body(ReadSectionGuard(record: record))
    }

    public func quiescentState() {}

    /// Nothing is held per thread: call_rcu queued every node at its retire.
    public func flush() {}

    deinit { domain.state.unregister(record, scheme: LiburcuMembDomain.descriptor.id) }
}
