import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 1 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
}
