import CReclaimSupport
@_spi(Planted) import Reclamation
import ReclaimBenchSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// hp's synchronize() and synchronize(waitingFor:) against a protection that moves into a
/// hand-off record while they wait — the race the torture test found in the first version
/// (it waited for the thread slot to change, and a detach changes it). The verdict needs no
/// timing: a correct synchronize cannot return before the release. The pauses only give
/// the synchronizing thread the chance to pass the slots before the detach, which is what
/// lets the planted first version fail here.
@Suite(.watchdog)
struct HazardHandOffTests {
    /// Carries a detached protection from the reader to the test thread.
    final class TokenBox<R: Reclaimer>: @unchecked Sendable {
        // SAFETY: written by the reader before `detached` (release), read after (acquire).
        var token: R.HandOff?
    }

    /// A reader protects a node and detaches it while another thread synchronizes; returns
    /// whether synchronize returned before the hand-off was released.
    static func synchronizeReturnedEarly<R: Reclaimer>(
        _ domain: R, waitingForNode: Bool, demoteFirst: Bool = false
    ) -> Bool where R.Link == AtomicNodeLink {
        let layout = NodeLayout(links: 1, dataBytes: 0)
        let root = domain.allocate(layout)
        let node = domain.allocate(layout)
        let link = layout.link(root, 0, R.self)
        link.pointee.store(TaggedNode(node), .releasing)
        let linkBits = UInt(bitPattern: link), nodeBits = UInt(bitPattern: node)
        let protected = Atomic<Bool>(false), detached = Atomic<Bool>(false), released = Atomic<Bool>(false)
        let returned = Atomic<Bool>(false), returnedEarly = Atomic<Bool>(false), synchronizing = Atomic<Bool>(false)
        let box = TokenBox<R>()
        let reader = JoinableThread {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                _ = guardian.protect(UnsafeMutablePointer(bitPattern: linkBits)!, slot: 0)
                protected.store(true, ordering: .releasing)
                // The synchronizing thread gets time to read the thread slots first.
                while !synchronizing.load(ordering: .acquiring) { sched_yield() }
                usleep(50_000)
                // hp-percpu: per-CPU slot → backup slot → hand-off record, two moves.
                if demoteFirst { guardian.prepareToBlock() }
                box.token = guardian.detach(slot: 0)
                detached.store(true, ordering: .releasing)
            }
        }
        while !protected.load(ordering: .acquiring) { sched_yield() }
        // Unlink, then wait for the readers of the old value.
        link.pointee.store(.null, .releasing)
        let synchronizer = JoinableThread {
            synchronizing.store(true, ordering: .releasing)
            if waitingForNode { domain.synchronize(waitingFor: UnsafeMutableRawPointer(bitPattern: nodeBits)!) } else { domain.synchronize() }
            returnedEarly.store(!released.load(ordering: .acquiring), ordering: .relaxed)
            returned.store(true, ordering: .releasing)
        }
        reader.join()
        while !detached.load(ordering: .acquiring) { sched_yield() }
        usleep(50_000)  // a wrongly woken synchronize returns in this time
        released.store(true, ordering: .releasing)
        domain.release(box.token.take()!)
        synchronizer.join()
        domain.deallocate(node, layout)
        domain.deallocate(root, layout)
        return returnedEarly.load(ordering: .relaxed)
    }

    @Test("synchronize() and synchronize(waitingFor:) wait for a protection that moves to a hand-off record",
          arguments: [false, true])
    func waitsThroughHandOff(_ waitingForNode: Bool) {
        #expect(!Self.synchronizeReturnedEarly(HazardPointerDomain(configuration: .testing), waitingForNode: waitingForNode))
    }

    @Test("hp-percpu and hp-asym: synchronize() and synchronize(waitingFor:) wait through demote and hand-off",
          arguments: [false, true])
    func perCPUAndAsymmetricWaitThroughMoves(_ waitingForNode: Bool) throws {
        #expect(!Self.synchronizeReturnedEarly(PerCPUHazardPointerDomain(configuration: .testing),
                                              waitingForNode: waitingForNode, demoteFirst: true))
        #expect(!Self.synchronizeReturnedEarly(try AsymmetricHazardPointerDomain(configuration: .testing),
                                              waitingForNode: waitingForNode))
    }

    @Test("planted: the first version's synchronize() returns while the hand-off still protects the node")
    func plantedMissesMoves() {
        let domain = HazardPointerDomain(configuration: .testing, plantedFault: .synchronizeMissesMoves)
        #expect(Self.synchronizeReturnedEarly(domain, waitingForNode: false))
    }

    @Test("synchronize(waitingFor:) returns while other readers keep re-protecting a still-linked node")
    func waitingForIgnoresOtherNodes() {
        let domain = HazardPointerDomain(configuration: .testing)
        let layout = NodeLayout(links: 1, dataBytes: 0)
        let root = domain.allocate(layout), linked = domain.allocate(layout), unlinked = domain.allocate(layout)
        let link = layout.link(root, 0, HazardPointerDomain.self)
        link.pointee.store(TaggedNode(linked), .releasing)
        let linkBits = UInt(bitPattern: link)
        let stop = Atomic<Bool>(false), reads = Atomic<Int>(0)
        let reader = JoinableThread {
            let participant = domain.register(slots: 1)
            while !stop.load(ordering: .relaxed) {
                participant.withGuard { guardian in _ = guardian.protect(UnsafeMutablePointer(bitPattern: linkBits)!, slot: 0) }
                reads.add(1, ordering: .relaxed)
            }
        }
        while reads.load(ordering: .relaxed) < 1000 { sched_yield() }
        domain.synchronize(waitingFor: unlinked)  // no one can hold it: returns
        stop.store(true, ordering: .relaxed)
        reader.join()
        for node in [unlinked, linked, root] { domain.deallocate(node, layout) }
    }
}
