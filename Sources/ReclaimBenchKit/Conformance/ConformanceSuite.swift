import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The checks every scheme, present and future, must pass unchanged. Each returns a report
/// instead of asserting, so that the same code proves a correct scheme right and a planted
/// broken one wrong (the tests assert both).
public enum ConformanceCheck: String, CaseIterable, Sendable, CustomStringConvertible {
    /// 1. Retire then drain frees every node exactly once; the thread's live bytes return.
    case retireThenDrain = "retire-then-drain"
    /// 2. A node protected by one thread survives another's unlink, retire, collect, flush;
    ///    and a node the retiring thread's own guard still holds survives its flushes
    ///    inside that guard.
    case protectionOutlivesRetire = "protection-outlives-retire"
    /// 3. Concurrent replace/read on a slot array: no poisoned or freed node is ever read.
    case concurrentStress = "concurrent-stress"
    /// 4. A thread that leaves with garbage pending loses nothing.
    case threadExitLosesNothing = "thread-exit-loses-nothing"
    /// 5. A protection detached on one thread and released on another holds until released.
    case handOff = "hand-off"
    /// 6. A stalled reader: pending stays under the declared bound (or the growth is recorded).
    case boundedGarbage = "bounded-garbage"
    /// 7. The read path (guard + protect + read) allocates nothing.
    case readPathAllocatesNothing = "read-path-allocates-nothing"
    /// 8. `synchronize()` does not return while a reader that was inside before the call
    ///    is still inside (schemes with `.blockingSynchronize`).
    case synchronizeWaitsForReaders = "synchronize-waits-for-readers"

    public var description: String { rawValue }
}

/// What a check found.
public struct ConformanceReport: Sendable, CustomStringConvertible {
    public let check: ConformanceCheck
    public let scheme: String
    /// Broken promises; empty means the scheme passed.
    public var violations: [String] = []
    /// Figures worth reporting (counts, bounds, growth), one line each.
    public var figures: [String] = []
    /// True when the check does not apply (capability not claimed) or cannot measure here.
    public var notApplicable: String?

    public var passed: Bool { violations.isEmpty }

    public var description: String {
        var lines = ["\(scheme) \(check): " + (notApplicable.map { "n/a (\($0))" } ?? (passed ? "passed" : "FAILED"))]
        lines += violations.map { "  violation: \($0)" }
        lines += figures.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}

public enum Conformance {
    /// Runs `check` on domains made by `make` (a fresh domain per run).
    public static func run<R: Reclaimer>(_ check: ConformanceCheck, make: @escaping @Sendable () -> R) -> ConformanceReport {
        switch check {
        case .retireThenDrain: retireThenDrain(make)
        case .protectionOutlivesRetire: protectionOutlivesRetire(make)
        case .concurrentStress: concurrentStress(make)
        case .threadExitLosesNothing: threadExitLosesNothing(make)
        case .handOff: handOff(make)
        case .boundedGarbage: boundedGarbage(make)
        case .readPathAllocatesNothing: readPathAllocatesNothing(make)
        case .synchronizeWaitsForReaders: synchronizeWaitsForReaders(make)
        }
    }

    // MARK: 1

    static func retireThenDrain<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .retireThenDrain, scheme: R.descriptor.id)
        let nodes = 1000
        // The thread's own counters see every free only if this thread does them all.
        let measureBytes = AllocatorStatistics.mallocIsJemalloc && R.descriptor.helperThreads == 0
        let outcome = Locked<(violations: [String], figures: [String])>(([], []))
        // Twice on one fresh thread: the first round warms one-time allocations (type
        // metadata, the runtime's per-thread state, jemalloc's first mallctl of the thread),
        // the second is measured.
        JoinableThread {
            for round in 0..<2 {
                _ = AllocatorStatistics.threadLiveBytes()
                let before = AllocatorStatistics.threadLiveBytes() ?? 0
                // Only numbers between the two measurements: strings and arrays built here
                // would still be alive when `after` is read.
                var retired: UInt64 = 0, freed: UInt64 = 0, peakPending: UInt64 = 0
                var neverFreed = 0, freedTwice = 0
                do {
                    let domain = make()
                    let tracker = NodeTracker(domain: domain, capacity: nodes, quarantine: false)
                    do {
                        let participant = domain.register(slots: 1)
                        for _ in 0..<nodes {
                            participant.withGuard { $0.retire(tracker.makeNode(), deleter: tracker.deleter) }
                            participant.quiescentState()
                        }
                    }
                    domain.drain()
                    // Keep numbers only: the statistics' counter names are heap strings.
                    let statistics = domain.statistics
                    (retired, freed, peakPending) = (statistics.retired, statistics.freed, statistics.peakPending)
                    let census = tracker.census()
                    neverFreed = census.neverFreed
                    freedTwice = census.freedMoreThanOnce
                }
                let after = AllocatorStatistics.threadLiveBytes() ?? 0
                guard round == 1 else { continue }
                var violations: [String] = [], figures: [String] = []
                if neverFreed > 0 { violations.append("\(neverFreed) of \(nodes) nodes never freed after drain()") }
                if freedTwice > 0 { violations.append("\(freedTwice) of \(nodes) nodes freed more than once") }
                if retired != UInt64(nodes) { violations.append("statistics.retired = \(retired), expected \(nodes)") }
                if freed != retired { violations.append("statistics.freed = \(freed) ≠ retired \(retired)") }
                figures.append("retired \(retired), freed \(freed), peak pending \(peakPending)")
                if measureBytes {
                    if after != before { violations.append("thread live bytes moved by \(after - before) (allocated − deallocated)") }
                    figures.append("thread live bytes before \(before), after \(after)")
                } else if R.descriptor.helperThreads > 0 {
                    figures.append("thread live bytes not compared: \(R.descriptor.id) frees on its own helper thread")
                } else {
                    figures.append("thread live bytes not checked: malloc is not jemalloc in this process")
                }
                outcome.withLock { $0 = (violations, figures) }
            }
        }.join()
        outcome.withLock { report.violations = $0.violations; report.figures = $0.figures }
        return report
    }

    // MARK: 2

    /// Yields granted to a scheme's helper thread before a premature free must show.
    public static let helperThreadYields = 20_000

    /// For a scheme that frees on a thread of its own, yields (at most
    /// `helperThreadYields` times) until `done`, so that thread is scheduled many times
    /// over before a check looks; a scheme without one returns at once.
    static func yieldToHelperThreads<R: Reclaimer>(_ scheme: R.Type, until done: () -> Bool) {
        guard R.descriptor.helperThreads > 0 else { return }
        var yields = 0
        while !done() && yields < helperThreadYields {
            sched_yield()
            yields += 1
        }
    }

    static func protectionOutlivesRetire<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .protectionOutlivesRetire, scheme: R.descriptor.id)
        let domain = make()
        let tracker = NodeTracker(domain: domain, capacity: 8, quarantine: true)
        let protected = tracker.makeNode()
        let protectedID = tracker.id(of: protected)
        let root = RootLinks(domain, count: 1) { _ in protected }
        let link = SharedPointer(root[0])
        let findings = Findings()
        // Stages: 1 the reader protects the node, 2 the writer has retired it and checked.
        let stage = Stage()
        let reader = startStalledReader(domain, link: link, stage: stage, releaseStep: 2) { held in
            if let node = held.node, let problem = tracker.inspect(node) {
                findings.add("reader, still inside its guard: \(problem)")
            }
        }
        JoinableThread {
            let participant = domain.register(slots: 1)
            stage.spin(until: 1)
            let replacement = tracker.makeNode()
            // Garbage of its own first, so that the flush below has something to hand over.
            let warmUp = tracker.makeNode()
            participant.withGuard { $0.retire(warmUp, deleter: tracker.deleter) }
            participant.withGuard { guardian in
                let old = guardian.load(link.pointer, .acquiring)
                guardian.store(link.pointer, TaggedNode(replacement), .releasing)
                if let node = old.node { guardian.retire(node, deleter: tracker.deleter) }
            }
            for _ in 0..<3 {
                participant.flush()
                domain.collect()
            }
            // A scheme that frees on a thread of its own (rcu's reclaimer) gets that thread
            // scheduled many times over before we look: a premature free must have happened.
            yieldToHelperThreads(R.self, until: { tracker.freeCount(protectedID) != 0 })
            if tracker.freeCount(protectedID) != 0 {
                findings.add("node freed while another thread's guard protects it (after retire, collect, flush)")
            }
            stage.advance(to: 2)
        }.join()
        reader.join()
        // A flush inside a guard (allowed: it only polls) must not free what that guard
        // still reads. The reader has left, so the guard here is the node's only
        // protection: a scheme whose flush counts its caller as quiescent even inside a
        // section frees the node under it.
        JoinableThread {
            let participant = domain.register(slots: 1)
            let fresh = tracker.makeNode()
            participant.withGuard { guardian in
                let held = guardian.protect(link.pointer, slot: 0)
                guardian.store(link.pointer, TaggedNode(fresh), .releasing)
                guard let node = held.node else { return findings.add("the replacement was not in the link") }
                guardian.retire(node, deleter: tracker.deleter)
                let heldID = tracker.id(of: node)
                for _ in 0..<3 { participant.flush() }
                yieldToHelperThreads(R.self, until: { tracker.freeCount(heldID) != 0 })
                if let problem = tracker.inspect(node) {
                    findings.add("writer, inside the guard it retired from and flushed in: \(problem)")
                }
            }
        }.join()
        // Retire the replacement too; after drain every node is freed exactly once.
        root.retireAll { $0.retire($1, deleter: tracker.deleter) }
        domain.drain()
        let census = tracker.census()
        report.violations = findings.all
        if census.neverFreed > 0 || census.freedMoreThanOnce > 0 {
            report.violations.append("after drain: \(census.neverFreed) never freed, \(census.freedMoreThanOnce) freed more than once")
        }
        tracker.releaseQuarantine()
        return report
    }

    // MARK: 3

    /// Parameters of the concurrent stress (small enough for a debug build on 2 cores).
    public static let stressParameters = SlotStress.Parameters(
        slots: 16, readers: 2, writers: 1, readsPerReader: 200_000, updatesPerWriter: 50_000, holdYieldInterval: 64
    )

    static func concurrentStress<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .concurrentStress, scheme: R.descriptor.id)
        let parameters = stressParameters
        let domain = make()
        let tracker = NodeTracker(
            domain: domain, capacity: parameters.slots + parameters.writers * parameters.updatesPerWriter + 1,
            quarantine: true)
        let outcome = SlotStress.run(domain: domain, tracker: tracker, parameters: parameters)
        let census = tracker.census()
        if outcome.violations > 0 {
            report.violations.append("\(outcome.violations) bad reads; first: \(outcome.firstViolation ?? "?")")
        }
        if census.neverFreed > 0 || census.freedMoreThanOnce > 0 {
            report.violations.append("after drain: \(census.neverFreed) never freed, \(census.freedMoreThanOnce) freed more than once")
        }
        let statistics = outcome.statistics
        if statistics.freed != statistics.retired {
            report.violations.append("statistics: retired \(statistics.retired) ≠ freed \(statistics.freed)")
        }
        report.figures.append("""
            reads \(outcome.reads), updates \(outcome.updates), retired \(statistics.retired), \
            freed \(statistics.freed), peak pending \(statistics.peakPending) (domain), \
            \(outcome.sampledPeakPending) (sampled every ms)
            """)
        tracker.releaseQuarantine()
        return report
    }

    // MARK: 4

    static func threadExitLosesNothing<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .threadExitLosesNothing, scheme: R.descriptor.id)
        let domain = make()
        let tracker = NodeTracker(domain: domain, capacity: 16, quarantine: true)
        let root = RootLinks(domain, count: 1) { _ in tracker.makeNode() }
        let link = SharedPointer(root[0])
        // A reader holds the first node while the retiring thread leaves, so the leaver's
        // garbage cannot all be freed on the way out and must go to the domain.
        let stage = Stage()
        let reader = startStalledReader(domain, link: link, stage: stage, releaseStep: 2)
        stage.spin(until: 1)
        JoinableThread {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                let old = guardian.load(link.pointer, .acquiring)
                guardian.store(link.pointer, .null, .releasing)
                if let node = old.node { guardian.retire(node, deleter: tracker.deleter) }
            }
            for _ in 0..<3 {
                participant.withGuard { $0.retire(tracker.makeNode(), deleter: tracker.deleter) }
            }
            // Leaves without flush: the participant's deinit must hand the garbage over.
        }.join()
        stage.advance(to: 2)
        reader.join()
        domain.drain()
        let census = tracker.census()
        let statistics = domain.statistics
        if census.neverFreed > 0 { report.violations.append("\(census.neverFreed) of 4 nodes lost when their thread left") }
        if census.freedMoreThanOnce > 0 { report.violations.append("\(census.freedMoreThanOnce) nodes freed more than once") }
        if statistics.retired != statistics.freed {
            report.violations.append("statistics: retired \(statistics.retired) ≠ freed \(statistics.freed)")
        }
        report.figures.append("retired \(statistics.retired), freed \(statistics.freed)")
        tracker.releaseQuarantine()
        return report
    }

    // MARK: 5

    static func handOff<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .handOff, scheme: R.descriptor.id)
        guard R.capabilities.contains(.crossThreadRelease) else {
            report.notApplicable = "no .crossThreadRelease"
            return report
        }
        let domain = make()
        let tracker = NodeTracker(domain: domain, capacity: 8, quarantine: true)
        let node = tracker.makeNode()
        let nodeID = tracker.id(of: node)
        let root = RootLinks(domain, count: 1) { _ in node }
        let link = SharedPointer(root[0])
        let mailbox = Locked<R.HandOff?>(nil)
        let findings = Findings()
        // Thread A protects and detaches, then leaves entirely.
        JoinableThread {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                _ = guardian.protect(link.pointer, slot: 0)
                var token: R.HandOff? = guardian.detach(slot: 0)
                mailbox.withLock { $0 = token.take() }
            }
        }.join()
        // The writer unlinks and retires the node and tries hard to free it.
        root.retireAll { $0.retire($1, deleter: tracker.deleter) }
        do {
            let participant = domain.register(slots: 1)
            for _ in 0..<3 {
                participant.flush()
                domain.collect()
            }
        }
        if tracker.freeCount(nodeID) != 0 { findings.add("node freed while a detached protection holds it") }
        // Thread B reads the node through the token and releases it.
        JoinableThread {
            guard let token = mailbox.withLock({ $0.take() }) else {
                findings.add("no hand-off token arrived")
                return
            }
            if let held = token.node.node, let problem = tracker.inspect(held) { findings.add("receiver: \(problem)") }
            domain.release(token)
        }.join()
        domain.drain()
        report.violations = findings.all
        if tracker.freeCount(nodeID) != 1 || tracker.census().freedMoreThanOnce > 0 {
            report.violations.append("after release and drain the node was freed \(tracker.freeCount(nodeID)) times")
        }
        tracker.releaseQuarantine()
        return report
    }

    // MARK: 6

    /// Nodes the writer retires while one reader stalls.
    public static let boundedGarbageRetires = 100_000

    static func boundedGarbage<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .boundedGarbage, scheme: R.descriptor.id)
        let domain = make()
        let layout = SlotStress.layout
        let slots = 8
        let roots = RootLinks(domain, count: slots) { _ in domain.allocate(layout) }
        let stage = Stage()
        let reader = startStalledReader(domain, link: SharedPointer(roots[0]), stage: stage, releaseStep: 2)
        stage.spin(until: 1)
        let retires = boundedGarbageRetires
        let peak = Locked<(pending: UInt64, bound: Int?)>((0, nil))
        JoinableThread {
            let participant = domain.register(slots: 1)
            var random = SplitMix64(seed: 6)
            var highest: UInt64 = 0
            let bound = domain.garbageBound(retiresPerGuard: 1)
            for index in 0..<retires {
                let link = roots[random.below(slots)]
                let fresh = TaggedNode(domain.allocate(layout))
                participant.withGuard { guardian in
                    var expected = guardian.load(link, .relaxed)
                    while true {
                        let (exchanged, original) = guardian.compareExchange(link, expected: expected, desired: fresh, .acquiringAndReleasing)
                        if exchanged { break }
                        expected = original
                    }
                    if let old = expected.node { guardian.retire(old, layout) }
                }
                participant.quiescentState()
                if index % 10 == 9 { highest = max(highest, domain.statistics.pending) }
            }
            // The domain also records the backlog at each reclamation attempt, where it peaks.
            highest = max(highest, domain.statistics.peakPending)
            peak.withLock { $0 = (highest, bound) }
        }.join()
        stage.advance(to: 2)
        reader.join()
        roots.retireAll { $0.retire($1, layout) }
        domain.drain()
        let statistics = domain.statistics
        let (highest, bound) = peak.withLock { $0 }
        if statistics.retired != statistics.freed {
            report.violations.append("after drain: retired \(statistics.retired) ≠ freed \(statistics.freed)")
        }
        if R.capabilities.contains(.boundedGarbage) {
            if let bound {
                if highest > UInt64(bound) {
                    report.violations.append("pending reached \(highest) > declared bound \(bound) with one reader stalled")
                }
                report.figures.append("stalled reader, \(retires) retires: peak pending \(highest), declared bound \(bound)")
            } else {
                report.violations.append("claims .boundedGarbage but garbageBound(retiresPerGuard:) is nil")
            }
        } else {
            report.figures.append("stalled reader, \(retires) retires: pending grew to \(highest) (no bound claimed)")
        }
        return report
    }

    // MARK: 7

    static func readPathAllocatesNothing<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .readPathAllocatesNothing, scheme: R.descriptor.id)
        guard AllocatorStatistics.mallocIsJemalloc else {
            report.notApplicable = "malloc is not jemalloc in this process: thread.allocated would not see it"
            return report
        }
        let domain = make()
        let layout = SlotStress.layout
        let root = RootLinks(domain, count: 1) { _ in domain.allocate(layout) }
        var checksum: UInt64 = 0
        do {
            let participant = domain.register(slots: 1)
            let readOnce = {
                participant.withGuard { guardian in
                    if let node = guardian.protect(root[0], slot: 0).node { checksum &+= node.load(as: UInt64.self) }
                }
            }
            for _ in 0..<100 { readOnce() }  // warm-up
            _ = AllocatorStatistics.threadCounters()  // the thread's first mallctl may allocate
            let before = AllocatorStatistics.threadCounters()?.allocated ?? 0
            for _ in 0..<10_000 { readOnce() }
            let after = AllocatorStatistics.threadCounters()?.allocated ?? 0
            if after != before { report.violations.append("10 000 guarded protects allocated \(after - before) bytes") }
            report.figures.append("thread.allocated moved by \(after - before) bytes over 10 000 guarded protects (checksum \(checksum & 1))")
        }
        root.retireAll { $0.retire($1, layout) }
        domain.drain()
        return report
    }

    // MARK: 8

    /// Spins the reader allows synchronize() before it leaves (yielding every 256): enough
    /// for the synchronizing thread to run many times over on any machine, so a
    /// synchronize() that does not wait is seen returning while the reader is inside.
    public static let synchronizeBudgetSpins = 4_000_000

    static func synchronizeWaitsForReaders<R: Reclaimer>(_ make: @escaping @Sendable () -> R) -> ConformanceReport {
        var report = ConformanceReport(check: .synchronizeWaitsForReaders, scheme: R.descriptor.id)
        guard R.capabilities.contains(.blockingSynchronize) else {
            report.notApplicable = "no .blockingSynchronize"
            return report
        }
        let domain = make()
        let layout = SlotStress.layout
        let root = RootLinks(domain, count: 1) { _ in domain.allocate(layout) }
        let link = SharedPointer(root[0])
        let entered = Stage()
        let returned = Atomic<Bool>(false)
        let outcome = Locked<(returnedInside: Bool, spins: Int)>((false, 0))
        let reader = JoinableThread {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                _ = guardian.protect(link.pointer, slot: 0)
                entered.advance(to: 1)
                var spins = 0
                // ORDERING: acquire; pairs with the synchronizer's release after it returned.
                while !returned.load(ordering: .acquiring) && spins < synchronizeBudgetSpins {
                    rs_cpu_relax()
                    spins += 1
                    if spins % 256 == 0 { sched_yield() }
                }
                let inside = returned.load(ordering: .acquiring)
                outcome.withLock { $0 = (inside, spins) }
            }
        }
        let synchronizer = JoinableThread {
            entered.spin(until: 1)
            domain.synchronize()
            returned.store(true, ordering: .releasing)
        }
        reader.join()
        synchronizer.join()
        let (returnedInside, spins) = outcome.withLock { $0 }
        if returnedInside {
            report.violations.append("synchronize() returned while a reader that entered before it was still inside (after \(spins) spins)")
        } else {
            report.figures.append("synchronize() waited for the reader (\(spins) spins inside, then it left)")
        }
        root.retireAll { $0.retire($1, layout) }
        domain.drain()
        return report
    }
}
