// urcu-qsbr — liburcu's QSBR flavor with call_rcu (M. Desnoyers, P. E. McKenney, A. Stern,
// M. Dagenais, J. Walpole, "User-level implementations of read-copy update", IEEE TPDS
// 23(2), 2012; Debian liburcu-dev 0.13), behind the Reclaimer protocol as the C reference
// for `qsbr`. The algorithm is liburcu's: read-side sections cost nothing
// (urcu_qsbr_read_lock is empty outside debug builds); a thread announces a quiescent state
// with urcu_qsbr_quiescent_state (inline: two loads and a compare unless a grace period
// waits for it); retire is urcu_qsbr_call_rcu, whose callbacks run in batches on liburcu's
// call_rcu thread after one grace period each; synchronize is urcu_qsbr_synchronize_rcu,
// drain and barrier are urcu_qsbr_barrier (rcu_barrier).
//
// What this file adds, and only that:
//   - a node header: liburcu's struct rcu_head, the deleter, the domain's freed counter,
//     padding to 16 bytes: 48 B (call_rcu's queue is intrusive).
//   - registration per domain, liburcu's per thread: the first participant of a thread
//     registers it (online), the last unregisters it (rl_urcu_qsbr_register).
//   - the announcement cadence every workload uses (`quiescentStateInterval`, as qsbr's).
//   - whileOffline: urcu_qsbr_thread_offline / _online around a blocking wait.
//
// Edges: liburcu's own (urcu-qsbr.c: the reader's ctr store and its fences ↔ the grace
// period's fences around the registry scan; call_rcu's wfcqueue ↔ its worker). Ours:
//   URCU-E1  a node is handed to call_rcu after it was unlinked (the Reclaimer contract),
//            so its grace period starts after the unlink.
//   URCU-E2  the worker's relaxed add to the freed counter happens after the deleter ran;
//            readers of statistics see it eventually, drain() after rcu_barrier's futex
//            wait (which orders the callbacks before its return).
//
// liburcu's state is per process: two urcu-qsbr domains share grace periods and the
// call_rcu thread (each waits for the other's readers too — slower, still correct). A
// thread that stays online and silent holds every grace period, as with qsbr; garbage is
// unbounded.

import CReferenceLibraries

/// liburcu's QSBR flavor with call_rcu (C), as the reference for `qsbr`.
public final class LiburcuQSBRDomain: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): liburcu's state is the library's; ours is LiburcuState.
    public typealias Link = AtomicNodeLink
    public typealias Participant = LiburcuQSBRParticipant
    public typealias Guard = ReadSectionGuard<LiburcuQSBRDomain>
    public typealias HandOff = UnsupportedHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .needsQuiescentStates, .blockingSynchronize, .optimisticTraversal] }
    @inlinable
    public static var nodeHeaderBytes: Int { Int(RL_URCU_HEADER_BYTES) }

    public static let descriptor = SchemeDescriptor(
        id: "urcu-qsbr", family: .gracePeriods,
        summary: "liburcu qsbr: free read side, quiescent states between operations, call_rcu on liburcu's worker thread",
        reference: "Desnoyers et al., IEEE TPDS 2012: liburcu qsbr + call_rcu (C library; the reference for qsbr)",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, helperThreads: 1,
        library: "liburcu", knobs: [.quiescentStateInterval]
    )

    public let configuration: ReclaimerConfiguration
    @usableFromInline let allocator: NodeAllocator
    @usableFromInline let state: LiburcuState

    public init(configuration: ReclaimerConfiguration) {
        self.configuration = configuration
        allocator = NodeAllocator(configuration.allocator)
        state = LiburcuState(flavor: .qsbr, configuration: configuration, allocator: allocator)
    }

    public func register(slots: Int) -> LiburcuQSBRParticipant {
        precondition(slots >= 0, "urcu-qsbr: register(slots:) needs a non-negative slot count, got \(slots)")
        return LiburcuQSBRParticipant(domain: self, record: state.register(self, schemeID: Self.descriptor.id))
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

    /// Unbounded: a thread that stays online without announcing holds every grace period.
    public func garbageBound(retiresPerGuard: Int) -> Int? { nil }
}

/// A thread registered with a urcu-qsbr domain: online from registration until it leaves.
public struct LiburcuQSBRParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = LiburcuQSBRDomain
    @usableFromInline let domain: LiburcuQSBRDomain
    @usableFromInline let record: LiburcuRecord
    @usableFromInline let hot: HotHeader
    @usableFromInline let interval: Int

    init(domain: LiburcuQSBRDomain, record: LiburcuRecord) {
        self.domain = domain
        self.record = record
        hot = record.hot
        interval = domain.configuration.quiescentStateInterval
        hot.quiescentCountdown = interval
    }

    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReadSectionGuard<LiburcuQSBRDomain>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        if depth == 0 { rl_urcu_qsbr_read_lock() }
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 { rl_urcu_qsbr_read_unlock() }
        }
        return try body(ReadSectionGuard(record: record))
    }

    /// Every `quiescentStateInterval`-th call: urcu_qsbr_quiescent_state (every call, with
    /// no countdown kept, at the default interval of 1).
    @inlinable
    public func quiescentState() {
        assert(hot.guardDepth == 0, "urcu-qsbr: quiescentState() inside a guard (the thread still holds nodes)")
        if interval == 1 {
            rl_urcu_qsbr_quiescent_state()
            return
        }
        let left = hot.quiescentCountdown &- 1
        if left > 0 {
            hot.quiescentCountdown = left
            return
        }
        hot.quiescentCountdown = interval
        rl_urcu_qsbr_quiescent_state()
    }

    /// urcu_qsbr_thread_offline / _online around `body`.
    public func whileOffline<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        precondition(hot.guardDepth == 0, "urcu-qsbr: whileOffline inside a guard")
        rl_urcu_qsbr_thread_offline()
        defer { rl_urcu_qsbr_thread_online() }
        return try body()
    }

    /// Nothing is held per thread: call_rcu queued every node at its retire.
    public func flush() {}

    deinit { domain.state.unregister(record, scheme: LiburcuQSBRDomain.descriptor.id) }
}
