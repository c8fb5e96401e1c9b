import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 6 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
}
