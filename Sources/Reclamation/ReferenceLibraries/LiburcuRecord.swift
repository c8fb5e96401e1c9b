import Synchronization

import CReferenceLibraries

/// liburcu's flavors the suite wraps: what differs between them is the read side, the
/// registration and the grace-period calls; retire (call_rcu), the node header and the
/// statistics are shared.
@usableFromInline
enum LiburcuFlavor: Sendable {
    case qsbr, memb

    func register() {
        switch self {
        case .qsbr: rl_urcu_qsbr_register()
        case .memb: rl_urcu_memb_register()
        }
    }

    func unregister() {
        switch self {
        case .qsbr: rl_urcu_qsbr_unregister()
        case .memb: rl_urcu_memb_unregister()
        }
    }

    func synchronize() {
        switch self {
        case .qsbr: rl_urcu_qsbr_synchronize()
        case .memb: rl_urcu_memb_synchronize()
        }
    }

    /// rcu_barrier: every callback queued before the call has run.
    func barrier() {
        switch self {
        case .qsbr: rl_urcu_qsbr_barrier()
        case .memb: rl_urcu_memb_barrier()
        }
    }
}

/// The state a liburcu domain shares with its records: the flavor, the allocator bit, and
/// the counter liburcu's call_rcu thread bumps for every node it frees (URCU-E2).
@usableFromInline
final class LiburcuState: @unchecked Sendable {
    // SAFETY: immutable after init; `freed` is written by liburcu's callbacks only, with
    // atomic adds in C, and read with relaxed atomic loads.
    let flavor: LiburcuFlavor
    let allocatorBit: UInt
    /// SAFETY: a C counter on its own line, freed in deinit (after rcu_barrier).
    let freed: UnsafeMutablePointer<UInt64>
    let registry = ParticipantRegistry()
    let garbage = DomainGarbage()

    init(flavor: LiburcuFlavor, configuration: ReclaimerConfiguration, allocator: NodeAllocator) {
        self.flavor = flavor
        allocatorBit = allocator.kind == .system ? 1 : 0
        freed = rl_counter_create()
    }

    deinit {
        flavor.barrier()  // callbacks queued by this domain's nodes still point at `freed`
        rl_counter_destroy(freed)
    }

    var statistics: ReclaimerStatistics {
        notePending()
        return registry.statistics(freedOutside: rl_counter_read(freed), peakPending: garbage.peakPending.load(ordering: .relaxed),
                                   events: [])
    }

    /// synchronize_rcu of the flavor (liburcu takes a calling online qsbr thread offline
    /// meanwhile); traps inside a guard.
    func synchronize(scheme: String) {
        ThreadParticipants.trapIfInsideGuard("synchronize()", scheme: scheme)
        flavor.synchronize()
    }

    /// rcu_barrier: every node retired before the call (call_rcu queued it at once) freed.
    func drain(scheme: String) {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: scheme)
        flavor.barrier()
        notePending()
    }

    func notePending() {
        let (retired, _) = registry.sumCounters()
        let freed = rl_counter_read(freed)
        garbage.notePending(retired >= freed ? retired - freed : 0)
    }
}

/// A thread's liburcu state on our side: counts of what it retired. liburcu's own reader
/// state is thread-local in the library. Nothing runs at a guard's end: liburcu's
/// read_unlock is all the read side does (the backlog's peak is noted when statistics are
/// read and at drain()).
@usableFromInline
final class LiburcuRecord: ParticipantRecord, @unchecked Sendable {
    // SAFETY: as ParticipantRecord; the fields added here are immutable or owner-only.
    /// SAFETY: records die with the state's registry.
    @usableFromInline unowned(unsafe) let state: LiburcuState

    init(domain: AnyObject, schemeID: String, state: LiburcuState) {
        self.state = state
        super.init(domain: domain, schemeID: schemeID, hot: HotHeader.allocate(schemeBytes: 0), eventCount: 0)
    }

    /// memb: liburcu's own nesting count (per thread: a section of any memb domain counts);
    /// qsbr: the guard's depth (its read side keeps no state).
    override func isInsideGuard() -> Bool {
        state.flavor == .memb ? rl_urcu_memb_read_ongoing() != 0 : super.isInsideGuard()
    }

    /// Owner-only: writes the header and hands the node to call_rcu (liburcu queues it on
    /// its call_rcu thread, which waits a grace period per batch and runs the callbacks).
    @usableFromInline
    override func retire(_ entry: RetiredNode) {
        bump(retiredCount)
        let argument = entry.libraryArgument(state.allocatorBit)
        switch state.flavor {
        case .qsbr: rl_urcu_qsbr_retire(entry.node, entry.function, argument, state.freed)
        case .memb: rl_urcu_memb_retire(entry.node, entry.function, argument, state.freed)
        }
    }
}

extension LiburcuState {
    func register<Domain: AnyObject>(_ domain: Domain, schemeID: String) -> LiburcuRecord {
        let record = registry.enroll(LiburcuRecord.self) { LiburcuRecord(domain: domain, schemeID: schemeID, state: self) }
        flavor.register()
        return record
    }

    func unregister(_ record: LiburcuRecord, scheme: String) {
        // memb: liburcu cannot tell this domain's sections from another memb domain's, so a
        // participant may leave inside another's guard; qsbr checks its own depth.
        precondition(record.state.flavor == .memb || !record.isInsideGuard(),
                     "\(scheme): a participant left inside its own guard")
        flavor.unregister()
        registry.leave(record)
    }

}
