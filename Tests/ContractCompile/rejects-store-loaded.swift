// A Treiber push that loads its top instead of protecting it and stores that word in the
// new node: under rc a use-after-free (the store counts a node that may be freed).
// expect: cannot convert value of type 'LoadedWord' to expected argument type 'TaggedNode'
import Reclamation

func push<R: Reclaimer>(_ domain: R, _ participant: borrowing R.Participant, top: UnsafeMutablePointer<R.Link>, layout: NodeLayout) {
    let node = domain.allocate(layout)
    participant.withGuard { guardian in
        let old = guardian.load(top, .acquiring)
        guardian.store(layout.link(node, 0, R.self), old, .relaxed)
        _ = guardian.compareExchange(top, expected: old, desired: TaggedNode(node), .acquiringAndReleasing)
    }
}
