// The contract's allowed uses: a protected word stored, a fresh node published, a loaded
// word compared and given as a compare-exchange's expected value, a CAS's original
// compared, and a loaded word made storable under an optimistic scheme (ebr).
import Reclamation

func push<R: Reclaimer>(_ domain: R, _ participant: borrowing R.Participant, top: UnsafeMutablePointer<R.Link>, layout: NodeLayout) {
    let node = domain.allocate(layout)
    participant.withGuard { guardian in
        while true {
            let old = guardian.protect(top, slot: 0)
            guardian.store(layout.link(node, 0, R.self), old, .relaxed)
            if guardian.load(top, .acquiring) != old { continue }
            let (exchanged, original) = guardian.compareExchange(top, expected: old, desired: TaggedNode(node), .acquiringAndReleasing)
            if exchanged || original == old { break }
        }
    }
}

func replace<R: Reclaimer>(_ scheme: R.Type, _ participant: borrowing R.Participant, link: UnsafeMutablePointer<R.Link>, fresh: UnsafeMutableRawPointer) {
    participant.withGuard { guardian in
        var expected = guardian.load(link, .relaxed)
        while true {
            let (exchanged, original) = guardian.compareExchange(link, expected: expected, desired: TaggedNode(fresh), .acquiringAndReleasing)
            if exchanged { break }
            expected = original
        }
    }
}

func optimistic(_ participant: borrowing EpochDomain.Participant, from: UnsafeMutablePointer<AtomicNodeLink>, to: UnsafeMutablePointer<AtomicNodeLink>) {
    participant.withGuard { guardian in
        guardian.store(to, guardian.storable(guardian.load(from, .acquiring)), .releasing)
    }
}
