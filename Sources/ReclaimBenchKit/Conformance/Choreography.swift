import CReclaimSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Links that live outside any node — a structure's roots, a slot array — filled and
/// emptied through a participant of their domain.
final class RootLinks<R: Reclaimer>: @unchecked Sendable {
    // SAFETY: the links are the scheme's atomics, used only through guards; the memory
    // lives until deinit, which runs after every thread that used it has joined.
    let domain: R
    let count: Int
    private let base: UnsafeMutablePointer<R.Link>

    /// `count` links, link i holding `fill(i)` (nil: null).
    init(_ domain: R, count: Int, fill: (Int) -> UnsafeMutableRawPointer?) {
        self.domain = domain
        self.count = count
        base = .allocate(capacity: count)
        for index in 0..<count { (base + index).initialize(to: R.Link(.null)) }
        let participant = domain.register(slots: 1)
        participant.withGuard { guardian in
            for index in 0..<count {
                if let node = fill(index) { guardian.store(base + index, TaggedNode(node), .releasing) }
            }
        }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    subscript(index: Int) -> UnsafeMutablePointer<R.Link> { base + index }

    /// Empties every link and retires what it held, with `retire`.
    func retireAll(_ retire: (borrowing R.Guard, UnsafeMutableRawPointer) -> Void) {
        let participant = domain.register(slots: 1)
        participant.withGuard { guardian in
            for index in 0..<count {
                let old = guardian.load(base + index, .acquiring)
                guardian.store(base + index, .null, .releasing)
                if let node = old.node { retire(guardian, node) }
            }
        }
    }
}

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
