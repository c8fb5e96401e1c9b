// hp-percpu — hazard pointers with per-CPU slots and per-participant backup slots, after
// the 2026 Linux hazptr series (Desnoyers, "hazptr: Implement Hazard Pointers", RFC v5;
// shared/references) and its torture report (McKenney, hazptrtorture), brought to
// userspace. Michael 2004 underneath: retire lists, sorted snapshot scans, hand-off
// records — the `hp` domain's machinery, which this domain owns as its core.
//
// The kernel gives each CPU 4 slots and moves a task's per-CPU protections to its
// on-stack backup slot on context switch, so a blocked task never pins a CPU's slot.
// Userspace has no context-switch hook, and a thread can be preempted between reading
// its CPU number and using the slot. So here:
//   - A per-CPU slot is *claimed by CAS* (0 → address): the CPU number is only a hint
//     for which line to try, the CAS winner owns the slot, only the owner ever writes it,
//     and it gives it back by storing 0. A preempted owner keeps its slot; others on that
//     CPU use the line's other slots or their backups. Correctness never depends on which
//     CPU a thread is on.
//   - When the hinted line is full, the protection goes to one of the participant's K
//     backup slots (stable storage, registered once, K ≥ 3 so a list traversal fits) with
//     Michael's publish–fence–revalidate.
//   - Instead of the scheduler hook, an explicit `prepareToBlock()` (demote) moves the
//     participant's per-CPU protections to its backup slots before it sleeps or blocks
//     inside a guard; workloads that sleep inside a guard call it.
// The trade-off: the fast path costs a CAS (as hp's seq_cst store costs an xchg) and a
// hint load; what it buys is that the slots scanners read are a fixed, dense table (one
// line per CPU, no registry walk for the fast-path slots), and that K backup slots per
// thread are touched only when a CPU's 4 are busy — under overcommit, more often.
//
// Invariants (besides hp's I1, I2, I4):
//   P1. A per-CPU slot holding a non-zero value is owned by exactly one participant: the
//       one whose CAS from 0 succeeded; only it stores into the slot, last of all 0.
//   P2. Protections move only per-CPU slot → backup slot (demote) and per-CPU or backup
//       slot → hand-off record (detach); the destination is written before the source
//       is cleared with release. Scans read every per-CPU slot, then every backup slot,
//       then every hand-off record — destinations after sources — so a scan that misses a
//       protection in its old place finds it in the new one (the order the kernel series
//       had to fix).
//   P3. synchronize(waitingFor:) re-reads all three in that order until none holds the
//       node; synchronize() waits for each busy slot to change and then, twice, for the
//       later storage holding an address seen earlier (a protection moves at most twice).
//
// Edges:
//   HPC-E1  claim: seq_cst CAS (or, for a slot already owned / a backup, seq_cst store),
//           then seq_cst re-load of the link ↔ the scan's seq_cst fence (as HP-E1).
//   HPC-E2  release of a slot (guard end, resetProtection, demote's source, detach's
//           source): store 0 with release ↔ the scan's acquire loads (as HP-E2).
//   HPC-E3  demote/detach: destination store, then the release clear of the source (P2).

import Synchronization

import CReclaimSupport

/// Which per-CPU hazard-pointer domain: the real one, or a planted broken variant.
public protocol PerCPUHazardVariant: Sendable {
    static var id: String { get }
    /// Planted: `detach` skips the protocol (the protection stays in the per-CPU slot,
    /// which the owner still counts as its own) and the token remembers that slot;
    /// `release` from another thread clears whatever the slot holds by then.
    static var releasesRememberedSlot: Bool { get }
}

/// The real `hp-percpu`.
public enum PerCPUHazardCorrect: PerCPUHazardVariant {
    public static var id: String { "hp-percpu" }
    @inlinable public static var releasesRememberedSlot: Bool { false }
}

/// Planted: the kernel's failure class — a hazard pointer released by another task
/// through the per-CPU slot it was acquired in.
public enum PerCPUHazardReleasesRememberedSlot: PerCPUHazardVariant {
    public static var id: String { "hp-percpu-releases-remembered-slot" }
    @inlinable public static var releasesRememberedSlot: Bool { true }
}

public typealias PerCPUHazardPointerDomain = PerCPUHazardPointerDomainOf<PerCPUHazardCorrect>

/// Per-CPU hazard pointers with backup slots (see the file's opening comment).
public final class PerCPUHazardPointerDomainOf<Variant: PerCPUHazardVariant>: Reclaimer, @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the core and the slot table are thread-safe (atomics,
    // lock-free registries); the synchronize statistics are atomics.
    public typealias Link = AtomicNodeLink
    public typealias Participant = PerCPUHazardParticipant<Variant>
    public typealias Guard = PerCPUHazardGuard<Variant>
    public typealias HandOff = PerCPUHazardHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .boundedGarbage, .crossThreadRelease, .blockingSynchronize] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }

    public static var descriptor: SchemeDescriptor {
        SchemeDescriptor(
            id: Variant.id, family: .hazardPointers,
            summary: Variant.releasesRememberedSlot
                ? "planted: a hand-off released through the per-CPU slot it was taken in"
                : "4 per-CPU slots claimed by CAS (CPU number a hint), K backup slots, explicit demote; Michael's retire lists",
            reference: "Desnoyers, Linux hazptr RFC v5 (2026); McKenney, hazptrtorture; Michael 2004",
            capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, knobs: [.retireScanThreshold])
    }

    public var configuration: ReclaimerConfiguration { core.configuration }
    @usableFromInline let core: HazardPointerDomain
    @usableFromInline let table: PerCPUSlotTable
    let synchronizeCalls = Atomic<UInt64>(0)
    let synchronizeNanoseconds = Atomic<UInt64>(0)
    let synchronizeMaxNanoseconds = Atomic<UInt64>(0)

    public init(configuration: ReclaimerConfiguration) {
        table = PerCPUSlotTable()
        core = HazardPointerDomain(configuration: configuration, perCPU: table)
    }

    public func register(slots: Int) -> PerCPUHazardParticipant<Variant> {
        // K ≥ 3 backup slots, so that a list traversal fits when every per-CPU slot is busy.
        let record = core.enrollRecord(slots: max(3, slots))
        let state = PerCPUHazardState(slots: record.slotCapacity, cpuHint: Int(max(0, rs_sched_getcpu())) % table.cpus)
        return PerCPUHazardParticipant(domain: self, record: record, state: state)
    }

    /// The scan a retire asked for, at the outermost guard exit.
    @usableFromInline
    @inline(never)
    func performDeferredWork(_ record: HazardRecord) { core.performDeferredWork(record) }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer { core.allocate(layout) }
    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { core.deallocate(node, layout) }
    public func collect() { core.collect() }
    public func barrier() { core.barrier() }
    public func drain() { core.drain() }

    public func synchronize() {
        let start = monotonicNanoseconds()
        core.synchronize()
        noteSynchronize(since: start)
    }

    public func synchronize(waitingFor node: UnsafeMutableRawPointer) {
        let start = monotonicNanoseconds()
        core.synchronize(waitingFor: node)
        noteSynchronize(since: start)
    }

    func noteSynchronize(since start: UInt64) {
        let elapsed = monotonicNanoseconds() &- start
        // ORDERING: statistics.
        synchronizeCalls.add(1, ordering: .relaxed)
        synchronizeNanoseconds.add(elapsed, ordering: .relaxed)
        synchronizeMaxNanoseconds.max(elapsed, ordering: .relaxed)
    }

    public func release(_ handOff: consuming PerCPUHazardHandOff) {
        if let holder = handOff.holder {
            core.release(holder: holder)
        } else if let remembered = handOff.rememberedSlot {
            // THE PLANTED FAULT: clears the per-CPU slot the protection was taken in,
            // whoever owns it now.
            // ORDERING: release, as a real release would be.
            remembered.pointee.store(0, ordering: .releasing)
        }
    }

    public var statistics: ReclaimerStatistics {
        var statistics = core.statistics
        // ORDERING: statistics.
        let calls = synchronizeCalls.load(ordering: .relaxed)
        statistics.counters.append(SchemeCounter("synchronize_calls", calls))
        statistics.counters.append(SchemeCounter("synchronize_mean_ns", calls == 0 ? 0 : synchronizeNanoseconds.load(ordering: .relaxed) / calls))
        statistics.counters.append(SchemeCounter("synchronize_max_ns", synchronizeMaxNanoseconds.load(ordering: .relaxed)))
        return statistics
    }

    /// hp's bound over the backup slots, plus the per-CPU slots, each of which can keep one
    /// more node from every scan.
    public func garbageBound(retiresPerGuard: Int) -> Int? {
        core.garbageBound(retiresPerGuard: retiresPerGuard).map { $0 + table.slotCount * max(1, core.registry.recordCount) }
    }
}

/// A detached `hp-percpu` protection: in a domain-owned hand-off record (or, planted, the
/// per-CPU slot it was taken in). Release it once, on any thread, with `release(_:)`.
public struct PerCPUHazardHandOff: ProtectionHandOff, ~Copyable, @unchecked Sendable {
    // SAFETY: the holder record lives as long as the domain, which `domain` keeps alive;
    // only release writes it.
    let domain: AnyObject
    let holder: HazardRecord?
    let rememberedSlot: UnsafeMutablePointer<Atomic<UInt>>?
    public let node: TaggedNode
}
