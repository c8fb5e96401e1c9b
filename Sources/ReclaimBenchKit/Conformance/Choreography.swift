import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A step counter for deterministic thread choreographies.
final class Stage: Sendable {
    private let value = Atomic<Int>(0)

    /// Publishes `step` and everything written before it.
    func advance(to step: Int) {
        value.store(step, ordering: .releasing)  // ORDERING: pairs with the acquire loads below
    }

    /// Spins until `step` is reached, yielding now and then. Never blocks, so a thread may
    /// wait here inside a guard (a blocking call there is what the contract forbids).
    func spin(until step: Int) {
        var spins = 0
        while value.load(ordering: .acquiring) < step {
            rs_cpu_relax()
            spins += 1
            if spins % 256 == 0 { sched_yield() }
        }
    }
}

/// A reader that protects `link`, announces stage 1, and stays inside its guard until
/// `stage` reaches `releaseStep`; `whileHeld` runs inside the guard just before it leaves.
func startStalledReader<R: Reclaimer>(
    _ domain: R, link: SharedPointer<R.Link>, stage: Stage, releaseStep: Int,
    whileHeld: @escaping @Sendable (TaggedNode) -> Void = { _ in }
) -> JoinableThread {
    JoinableThread {
        let participant = domain.register(slots: 1)
        participant.withGuard { guardian in
            let held = guardian.protect(link.pointer, slot: 0)
            stage.advance(to: 1)
            stage.spin(until: releaseStep)
            whileHeld(held)
        }
    }
}

/// A mutex-protected list of findings, filled from any thread.
final class Findings: Sendable {
    private let list = Locked<[String]>([])
    func add(_ finding: String) { list.withLock { $0.append(finding) } }
    var all: [String] { list.withLock { $0 } }
}
