import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 7 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
}
