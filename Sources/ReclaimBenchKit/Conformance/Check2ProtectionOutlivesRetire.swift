import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 2 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
}
