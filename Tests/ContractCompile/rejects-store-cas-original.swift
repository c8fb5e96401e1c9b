// What a failed compare-exchange read is unprotected too: it cannot be stored.
// expect: cannot convert value of type 'LoadedWord' to expected argument type 'TaggedNode'
import Reclamation

func copy<R: Reclaimer>(_ scheme: R.Type, _ participant: borrowing R.Participant, link: UnsafeMutablePointer<R.Link>, other: UnsafeMutablePointer<R.Link>) {
    participant.withGuard { guardian in
        let (_, original) = guardian.compareExchange(link, expected: .null, desired: .null, .acquiringAndReleasing)
        guardian.store(other, original, .releasing)
    }
}
