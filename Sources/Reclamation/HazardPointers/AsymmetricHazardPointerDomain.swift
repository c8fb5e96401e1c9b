// hp-asym — hazard pointers with an asymmetric fence. M. M. Michael, "Hazard pointers:
// safe memory reclamation for lock-free objects", IEEE TPDS 15(6), 2004, with the reader's
// StoreLoad fence moved into the scanner as folly's hazptr does (folly
// `asymmetric_thread_fence_light` / `_heavy`); the idea of paying for readers' fences with
// a process-wide barrier on the reclaiming side is D. Dice, M. Herlihy, A. Kogan, "Fast
// non-intrusive memory reclamation for highly-concurrent data structures", ISMM 2016.
//
// Everything but the read side is hp's: the domain owns a `HazardPointerDomain` core built
// with `fenceKind == .asymmetric`, and every slow path (register, allocate, collect, scan,
// synchronize, drain, release, statistics, bounds) runs there. The only difference in the
// core is the fence it issues before reading the slots (`protectionFence()`):
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) instead of a seq_cst fence. The guard is a
// separate type, so the read path has no branch on the fence kind.
//
// Shared state, invariants I1–I4 and edges HP-E2, HP-E3: as in HazardPointerDomain.
//
// Edges (one tag at both ends):
//   HPA-E1  replaces HP-E1. Reader (protect): store the address into the slot, compiler
//           barrier, acquire re-load of the link, compare the whole tagged word. Scanner
//           (snapshotProtections, synchronize, synchronize(waitingFor:)): membarrier before
//           the first slot load; the node was unlinked (then retired) before that call.
//           membarrier returns only after every CPU that runs a thread of this process
//           has executed a full barrier on that thread's behalf (an IPI), and a thread that
//           is not running passes a full barrier in the scheduler before it runs user code
//           again; the kernel orders the scanner's earlier accesses (the unlink) before
//           those barriers. Call the point in the reader's instruction stream where its
//           barrier falls B. The compiler barrier keeps the slot store before the re-load
//           in program order, so either
//             - the slot store precedes B: B drains it, it is visible before membarrier
//               returns, and the scanner's slot loads see it (or a later value of that
//               slot: a clear, HP-E2, or a newer protection, HPA-E2) — the node is kept; or
//             - the slot store follows B, and so does the re-load: it sees the unlink (or
//               something later) and differs from the value published, so the reader
//               retries and never dereferences the unlinked node.
//           A reader that is not on a CPU has no store in its store buffer; it meets its
//           barrier when it is switched back in. Without this edge the reader's CPU may
//           satisfy the re-load before its slot store leaves the store buffer (StoreLoad
//           reordering, which x86 allows too) and each side misses the other: that is the
//           fence hp pays on every protect, and what hp-asym pays once per scan instead.
//   HPA-E2  protect's slot store is a release store. A guard may overwrite a slot that
//           holds an earlier protection (hand-over-hand traversal); release orders the
//           reader's accesses to the earlier node before a scan that sees the new value
//           (acquire slot load) and frees the earlier one. hp's seq_cst store includes this;
//           on x86 a release store is the same plain mov as a relaxed one.
//   HPA-E3  protect's re-load is acquire: the validated node's contents, written before it
//           was published, are visible to the reader (hp's seq_cst re-load includes this).
//
// Why reclamation is safe: hp's argument with HPA-E1 for HP-E1 — a reader dereferences a
// node only if its protection was visible to every scan that began after the node's
// unlink; I2 and I3 keep such a scan from freeing it; HP-E2/HPA-E2 order the reader's
// accesses before the free. The domain fails to build if membarrier(PRIVATE_EXPEDITED)
// cannot be registered: there is no fallback and no per-read branch.

import CReclaimSupport

/// Michael's hazard pointers with an asymmetric fence: the read side publishes behind a
/// compiler barrier, the scanner issues membarrier(PRIVATE_EXPEDITED). hp's machinery
/// (records, hand-off records, scans, synchronize) is reused through a core domain.
public final class AsymmetricHazardPointerDomain: Reclaimer {
    public typealias Link = AtomicNodeLink
    public typealias Participant = AsymmetricHazardPointerParticipant
    public typealias Guard = AsymmetricHazardPointerGuard
    public typealias HandOff = HazardHandOff

    @inlinable
    public static var capabilities: ReclaimerCapabilities { [.markedLinks, .boundedGarbage, .crossThreadRelease, .blockingSynchronize] }
    @inlinable
    public static var nodeHeaderBytes: Int { 0 }

    public static let descriptor = SchemeDescriptor(
        id: "hp-asym", family: .hazardPointers,
        summary: "hp with an asymmetric fence: publish + compiler barrier + re-validate; membarrier in the scanner",
        reference: "Michael 2004; folly hazptr asymmetric fence (Dice, Herlihy, Kogan 2016 "
            + "'Fast non-intrusive memory reclamation for highly-concurrent data structures')",
        capabilities: capabilities, nodeHeaderBytes: nodeHeaderBytes, knobs: [.retireScanThreshold]
    )

    /// hp's domain, fenced with membarrier: records, retire lists, hand-off records, scans.
    @usableFromInline let core: HazardPointerDomain

    /// Throws `ReclaimerUnavailable` when membarrier(PRIVATE_EXPEDITED) cannot be registered.
    public convenience init(configuration: ReclaimerConfiguration) throws {
        try self.init(configuration: configuration, plantedFault: .none)
    }

    /// A domain whose core carries one of hp's planted faults (tests only).
    @_spi(Planted)
    public init(configuration: ReclaimerConfiguration, plantedFault: HazardPointerDomain.PlantedFault) throws {
        let registered = rs_membarrier_register_private_expedited()
        guard registered == 0 else {
            throw ReclaimerUnavailable(
                scheme: Self.descriptor.id,
                reason: "membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) failed with errno \(-registered)")
        }
        core = HazardPointerDomain(configuration: configuration, plantedFault: plantedFault, fenceKind: .asymmetric)
    }

    public var configuration: ReclaimerConfiguration { core.configuration }

    public func register(slots: Int) -> AsymmetricHazardPointerParticipant {
        precondition((1...HazardRecord.maximumSlots).contains(slots),
                     "hp-asym: register(slots:) takes 1...\(HazardRecord.maximumSlots) slots, got \(slots)")
        return AsymmetricHazardPointerParticipant(domain: self, record: core.enrollRecord(slots: slots))
    }

    public func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer { core.allocate(layout) }

    public func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { core.deallocate(node, layout) }

    public func collect() { core.collect() }

    /// hp's synchronize(); its fence is membarrier here (HPA-E1).
    public func synchronize() {
        ThreadParticipants.trapIfInsideGuard("synchronize()", scheme: Self.descriptor.id)
        core.synchronize()
    }

    public func synchronize(waitingFor node: UnsafeMutableRawPointer) {
        ThreadParticipants.trapIfInsideGuard("synchronize(waitingFor:)", scheme: Self.descriptor.id)
        core.synchronize(waitingFor: node)
    }

    public func barrier() { drain() }

    public func drain() {
        ThreadParticipants.trapIfInsideGuard("drain()", scheme: Self.descriptor.id)
        core.drain()
    }

    public func release(_ handOff: consuming HazardHandOff) {
        precondition(handOff.holder.domainIdentity == ObjectIdentifier(core),
                     "hp-asym: a hand-off released on another domain")
        core.release(handOff)
    }

    public var statistics: ReclaimerStatistics { core.statistics }

    public func garbageBound(retiresPerGuard: Int) -> Int? { core.garbageBound(retiresPerGuard: retiresPerGuard) }
}
