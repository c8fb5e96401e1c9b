import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 3 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
}
