import CReclaimSupport
@_spi(Planted) @_spi(Testing) import Reclamation
import ReclaimBenchKit
import ReclaimBenchSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// qsbr and rcu beyond the conformance suite: what a silent thread does to qsbr, blocking
/// calls inside a guard, and the planted variants that show the checks can fail.
@Suite(.watchdog)
struct GracePeriodTests {
    /// An online qsbr thread that never announces a quiescent state: how many of 32 retired
    /// nodes were freed while it stayed silent, and how many after it left.
    static func silentThreadHoldsMemory(_ domain: QuiescentStateDomain) -> (whileSilent: Int, afterLeaving: Int) {
        let tracker = NodeTracker(domain: domain, capacity: 64, quarantine: true)
        let online = Atomic<Bool>(false), release = Atomic<Bool>(false)
        let silent = JoinableThread {
            let participant = domain.register(slots: 1)
            online.store(true, ordering: .releasing)
            while !release.load(ordering: .acquiring) { sched_yield() }  // outside any guard, never announcing
            _ = participant
        }
        while !online.load(ordering: .acquiring) { sched_yield() }
        do {
            let writer = domain.register(slots: 1)
            for _ in 0..<32 {
                writer.withGuard { $0.retire(tracker.makeNode(), deleter: tracker.deleter) }
                writer.quiescentState()
            }
            writer.flush()
            domain.collect()
        }
        let whileSilent = 32 - tracker.census().neverFreed
        release.store(true, ordering: .releasing)
        silent.join()
        domain.drain()
        let afterLeaving = 32 - tracker.census().neverFreed
        tracker.releaseQuarantine()
        return (whileSilent, afterLeaving)
    }

    @Test("qsbr: a thread that never announces a quiescent state keeps every node from being freed (expected), until it leaves")
    func silentThread() {
        let (whileSilent, afterLeaving) = Self.silentThreadHoldsMemory(QuiescentStateDomain(configuration: .testing))
        // This is qsbr's contract, not a defect: an online thread may hold any node until it
        // announces, so nothing retired after it came online can be freed.
        #expect(whileSilent == 0, "freed \(whileSilent) of 32 while an online thread was silent")
        #expect(afterLeaving == 32, "after the silent thread left, \(afterLeaving) of 32 were freed")
    }

    @Test("planted: a qsbr that ignores online threads frees while one is silent")
    func silentThreadPlanted() {
        let (whileSilent, _) = Self.silentThreadHoldsMemory(
            QuiescentStateDomain(configuration: .testing, plantedFault: .ignoresReaders))
        #expect(whileSilent > 0)
    }

    @Test("planted: grace periods that ignore readers are caught by synchronize-waits-for-readers",
          arguments: ["qsbr", "rcu"])
    func synchronizeIgnoringReaders(scheme: String) throws {
        let report = scheme == "qsbr"
            ? Conformance.run(.synchronizeWaitsForReaders) { QuiescentStateDomain(configuration: .testing, plantedFault: .ignoresReaders) }
            : Conformance.run(.synchronizeWaitsForReaders) { try! ReadCopyUpdateDomain(configuration: .testing, plantedFault: .ignoresReaders) }
        print("[planted \(scheme) ignoresReaders] \(report)")
        #expect(!report.passed)
    }

    @Test("planted: grace periods that ignore readers are caught by protection-outlives-retire", arguments: ["qsbr", "rcu"])
    func stressIgnoringReaders(scheme: String) {
        let report = scheme == "qsbr"
            ? Conformance.run(.protectionOutlivesRetire) { QuiescentStateDomain(configuration: .testing, plantedFault: .ignoresReaders) }
            : Conformance.run(.protectionOutlivesRetire) { try! ReadCopyUpdateDomain(configuration: .testing, plantedFault: .ignoresReaders) }
        print("[planted \(scheme) ignoresReaders] \(report)")
        #expect(!report.passed)
    }

    @Test("qsbr.synchronize() inside a guard traps")
    func quiescentSynchronizeInsideGuard() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let domain = QuiescentStateDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in domain.synchronize() }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("qsbr.synchronize() called inside a guard of a 'qsbr' domain"), "stderr: \(message)")
    }

    @Test("a loaded word made storable traps under a scheme without optimistic traversal (rc), not under ebr")
    func storableNeedsOptimisticTraversal() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let domain = ReferenceCountedDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            let link = UnsafeMutablePointer<ReferenceCountedLink>.allocate(capacity: 1)
            link.initialize(to: ReferenceCountedLink(.null))
            participant.withGuard { guardian in _ = guardian.storable(guardian.load(link, .acquiring)) }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("rc: a loaded word is storable only under .optimisticTraversal"), "stderr: \(message)")
        let domain = EpochDomain(configuration: .testing)
        let participant = domain.register(slots: 1)
        let link = UnsafeMutablePointer<AtomicNodeLink>.allocate(capacity: 1)
        link.initialize(to: AtomicNodeLink(.null))
        defer { link.deinitialize(count: 1); link.deallocate() }
        let word = participant.withGuard { guardian in guardian.storable(guardian.load(link, .acquiring)) }
        #expect(word == .null)
    }

    @Test("rcu.synchronize() inside a guard traps")
    func rcuSynchronizeInsideGuard() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let domain = try! ReadCopyUpdateDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in domain.synchronize() }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("rcu.synchronize() called inside a guard of a 'rcu' domain"), "stderr: \(message)")
    }

    @Test("rcu.barrier() inside a guard traps")
    func rcuBarrierInsideGuard() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let domain = try! ReadCopyUpdateDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in domain.barrier() }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("rcu.barrier() called inside a guard of a 'rcu' domain"), "stderr: \(message)")
    }

    @Test("rcu: barrier() returns only after every bag queued before it is freed")
    func rcuBarrier() throws {
        let domain = try ReadCopyUpdateDomain(configuration: .testing)
        let layout = SlotStress.layout
        do {
            let participant = domain.register(slots: 1)
            for _ in 0..<1000 { participant.withGuard { $0.retire(domain.allocate(layout), layout) } }
        }
        domain.barrier()
        let statistics = domain.statistics
        #expect(statistics.retired == 1000 && statistics.freed == 1000)
        #expect(statistics[counter: "backlog"] == 0)
    }

    @Test("rcu with a grace-period interval: bags queued inside the interval wait for it and share a round; barrier still frees all")
    func rcuGracePeriodInterval() throws {
        var configuration = ReclaimerConfiguration.testing
        // Half a second: a round (100 nodes, one grace period with one participant) takes
        // microseconds, so every round after the first starts inside the interval of the
        // one before with a margin of four orders of magnitude, under a sanitizer too.
        configuration.gracePeriodIntervalMicroseconds = 500_000
        let domain = try ReadCopyUpdateDomain(configuration: configuration)
        let layout = SlotStress.layout
        do {
            let participant = domain.register(slots: 1)
            // Three barriers back to back: each one's round starts inside the interval of
            // the round before, so at least two of them wait for it.
            for _ in 0..<3 {
                for _ in 0..<100 { participant.withGuard { $0.retire(domain.allocate(layout), layout) } }
                domain.barrier()
            }
        }
        let statistics = domain.statistics
        #expect(statistics.retired == 300 && statistics.freed == 300)
        #expect((statistics[counter: "batched_rounds"] ?? 0) >= 2, "\(statistics.counters)")
        #expect(statistics[counter: "backlog"] == 0)
    }
}

/// rc beyond the conformance suite: a node is freed exactly when its last reference goes.
@Suite(.watchdog)
struct ReferenceCountingTests {
    /// Two readers hold a node that a writer unlinks and retires; returns what went wrong.
    static func lastReferenceFrees(_ domain: ReferenceCountedDomain) -> [String] {
        var problems: [String] = []
        let tracker = NodeTracker(domain: domain, capacity: 8, quarantine: true)
        let node = tracker.makeNode()
        let id = tracker.id(of: node)
        let root = UnsafeMutablePointer<ReferenceCountedLink>.allocate(capacity: 1)
        root.initialize(to: ReferenceCountedLink(.null))
        let link = SharedPointer(root)
        let holding = Atomic<Int>(0)
        let releaseFirst = Atomic<Bool>(false), releaseSecond = Atomic<Bool>(false)
        do {
            let participant = domain.register(slots: 1)
            participant.withGuard { $0.store(root, TaggedNode(node), .releasing) }
        }
        let first = JoinableThread {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                _ = guardian.protect(link.pointer, slot: 0)
                holding.add(1, ordering: .releasing)
                while !releaseFirst.load(ordering: .acquiring) { sched_yield() }
            }
        }
        let second = JoinableThread {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                _ = guardian.protect(link.pointer, slot: 0)
                holding.add(1, ordering: .releasing)
                while !releaseSecond.load(ordering: .acquiring) { sched_yield() }
            }
        }
        while holding.load(ordering: .acquiring) < 2 { sched_yield() }
        do {
            let writer = domain.register(slots: 1)
            writer.withGuard { guardian in
                // Retire (pay back the owner's reference) before unlinking: for rc the order
                // does not matter, and so the planted variant's early free goes through the
                // tracker's quarantine instead of freeing memory retire would still touch.
                guardian.retire(node, deleter: tracker.deleter)
                guardian.store(root, .null, .releasing)
            }
        }
        if tracker.freeCount(id) != 0 { problems.append("freed while two readers held it") }
        releaseFirst.store(true, ordering: .releasing)
        first.join()
        if tracker.freeCount(id) != 0 { problems.append("freed while one reader still held it") }
        releaseSecond.store(true, ordering: .releasing)
        second.join()
        if tracker.freeCount(id) != 1 { problems.append("freed \(tracker.freeCount(id)) times after the last reader let go, not once") }
        tracker.releaseQuarantine()
        root.deinitialize(count: 1)
        root.deallocate()
        return problems
    }

    @Test("rc frees a node exactly when its last reference goes")
    func lastReference() {
        let problems = Self.lastReferenceFrees(ReferenceCountedDomain(configuration: .testing))
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("planted: an rc that frees when the last link goes is caught")
    func lastReferencePlanted() {
        let problems = Self.lastReferenceFrees(ReferenceCountedDomain(configuration: .testing, plantedFault: .freesWhenUnlinked))
        #expect(!problems.isEmpty)
    }

    @Test("rc frees a chain iteratively: dropping the head frees every successor only it kept")
    func chainCascade() {
        let domain = ReferenceCountedDomain(configuration: .testing)
        let layout = NodeLayout(links: 1, dataBytes: 8)
        let length = 100_000  // deep enough that recursion would overflow the stack
        let root = UnsafeMutablePointer<ReferenceCountedLink>.allocate(capacity: 1)
        root.initialize(to: ReferenceCountedLink(.null))
        do {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                var next: UnsafeMutableRawPointer?
                for _ in 0..<length {
                    let node = domain.allocate(layout)
                    if let next { guardian.store(layout.link(node, 0, ReferenceCountedDomain.self), TaggedNode(next), .releasing) }
                    if let next { guardian.retire(next, layout) }  // only the chain keeps it now
                    next = node
                }
                guardian.store(root, TaggedNode(next!), .releasing)
                guardian.retire(next!, layout)
            }
            #expect(domain.statistics.freed == 0)
            participant.withGuard { $0.store(root, .null, .releasing) }  // the last reference to the head
        }
        let statistics = domain.statistics
        #expect(statistics.retired == UInt64(length) && statistics.freed == UInt64(length))
        #expect((statistics[counter: "cascade_frees"] ?? 0) == UInt64(length - 1))
        root.deinitialize(count: 1)
        root.deallocate()
    }
}

/// arc beyond the conformance suite.
@Suite(.watchdog)
struct SwiftARCTests {
    @Test("arc's payload offset is ManagedBuffer's elements offset")
    func payloadOffset() {
        #expect(SwiftARCDomain.payloadOffsetMatchesManagedBuffer)
    }

    @Test("arc releases a 200 000-node chain without recursing through deinit")
    func longChainReleasesIteratively() {
        let domain = SwiftARCDomain(configuration: .testing)
        let layout = NodeLayout(links: 1, dataBytes: 8)
        let length = 200_000
        let root = UnsafeMutablePointer<SwiftARCLink>.allocate(capacity: 1)
        root.initialize(to: SwiftARCLink(.null))
        do {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                var next: UnsafeMutableRawPointer?
                for _ in 0..<length {
                    let node = domain.allocate(layout)
                    if let next {
                        guardian.store(layout.link(node, 0, SwiftARCDomain.self), TaggedNode(next), .releasing)
                        guardian.retire(next, layout)  // only the chain keeps it now
                    }
                    next = node
                }
                guardian.store(root, TaggedNode(next!), .releasing)
                guardian.retire(next!, layout)
            }
            #expect(domain.statistics.freed == 0)
            participant.withGuard { $0.store(root, .null, .releasing) }  // the head's last reference
        }
        #expect(domain.statistics.freed == UInt64(length))
        root.deinitialize(count: 1)
        root.deallocate()
    }
}
