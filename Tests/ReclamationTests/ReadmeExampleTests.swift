import Reclamation
import Testing
import TestSupport

/// The README's protocol example, compiled and run, so the page cannot drift from the API.
@Test("the README example works as written", .watchdog)
func readmeExample() {
    let layout = NodeLayout(links: 0, dataBytes: 16)
    let domain = HazardPointerDomain(configuration: ReclaimerConfiguration())
    let link = UnsafeMutablePointer<AtomicNodeLink>.allocate(capacity: 1)
    link.initialize(to: AtomicNodeLink(TaggedNode(domain.allocate(layout))))
    let fresh = domain.allocate(layout)
    do {
        // --- as in README.md ---
        let participant = domain.register(slots: 1)          // per thread; ~Copyable, unregisters in deinit
        participant.withGuard { guardian in                  // read-side critical section; no await inside
            let word = guardian.protect(link, slot: 0)       // the whole tagged word, validated
            if let node = word.node { _ = node.load(as: UInt64.self) }
            let (swapped, _) = guardian.compareExchange(link, expected: word, desired: TaggedNode(fresh), .acquiringAndReleasing)
            if swapped, let old = word.node { guardian.retire(old, layout) }   // freed once no reader can hold it
        }
        // --- end ---
    }
    domain.drain()
    #expect(domain.statistics.retired == 1 && domain.statistics.freed == 1)
    #expect(link.pointee.load(.relaxed) == TaggedNode(fresh))
    domain.deallocate(fresh, layout)
    link.deinitialize(count: 1)
    link.deallocate()
}
