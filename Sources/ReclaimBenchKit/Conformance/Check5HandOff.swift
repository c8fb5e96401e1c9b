import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 5 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
}
