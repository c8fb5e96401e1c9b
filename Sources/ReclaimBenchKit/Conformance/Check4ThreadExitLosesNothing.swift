import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 4 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
}
