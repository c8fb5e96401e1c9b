// A loaded word as a compare-exchange's desired value (the queue's tail swing to an
// unprotected successor).
// expect: cannot convert value of type 'LoadedWord' to expected argument type 'TaggedNode'
import Reclamation

func swing<R: Reclaimer>(_ scheme: R.Type, _ participant: borrowing R.Participant, tail: UnsafeMutablePointer<R.Link>, next: UnsafeMutablePointer<R.Link>) {
    participant.withGuard { guardian in
        let last = guardian.protect(tail, slot: 0)
        let after = guardian.load(next, .acquiring)
        _ = guardian.compareExchange(tail, expected: last, desired: after, .acquiringAndReleasing)
    }
}
