import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Conformance check 8 (see ConformanceCheck in ConformanceSuite.swift).
extension Conformance {
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
