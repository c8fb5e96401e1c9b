import Reclamation

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
