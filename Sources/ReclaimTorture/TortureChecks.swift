// The reader's checks against deliberately corrupted inputs (each check shown able to
// fail), and torture's sleep.

import CReclaimSupport
import Foundation
import ReclaimBenchKit
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sleeping in microseconds (timer slack is set to 1 ns on reader threads).
enum TortureClock {
    /// Sleeps. In the stress build the thread's modelled store buffer drains first: a real
    /// one empties in well under a microsecond, and a thread that blocks in the kernel has
    /// long since emptied it. Without this a publish made inside a read section (an in-guard
    /// flush's quiescent state, mutant 24) stayed invisible for the whole hold that follows,
    /// which hid the very bug the hold is there to expose.
    static func sleep(microseconds: Int) {
        guard microseconds > 0 else { return }
        drainOwnPublishes()
        var pause = timespec(tv_sec: microseconds / 1_000_000, tv_nsec: (microseconds % 1_000_000) * 1000)
        var remaining = timespec()
        while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
    }
}

// MARK: the checks, against mutated inputs

/// A deliberate corruption of a protected carrier or its object, for showing that each of
/// the reader's checks can fail (tests; no scheme involved).
package enum TortureMutation: CaseIterable, Sendable {
    /// Nothing changed: the check passes.
    case none
    /// The object aged past 1 (a grace period ended under the reader).
    case agedPastOne
    /// The carrier was freed (poisoned).
    case carrierPoisoned
    /// The carrier was freed and reused for another (a new serial at the same address).
    case carrierReused
    /// The object went back to the pool (its generation moved on).
    case objectRecycled
    /// The object is poisoned (in the pool) though its generation is unchanged.
    case objectPoisoned
    /// The publication field is not what the writer set before publishing.
    case unpublished

    /// The failure the reader's check must report.
    package var expected: TortureFailure.Kind? {
        switch self {
        case .none: nil
        case .agedPastOne: .prematureAge
        case .carrierPoisoned, .carrierReused: .carrierFreedUnderProtection
        case .objectRecycled: .generationChanged
        case .objectPoisoned: .objectPoisoned
        case .unpublished: .publication
        }
    }
}

extension Torture {
    /// Publishes one object (through hazard pointers: the scheme does not matter here),
    /// protects it as a reader does, applies `mutation` and runs the reader's check again:
    /// returns the failure it reported (nil: it passed).
    package static func checkMutated(_ mutation: TortureMutation) -> TortureFailure? {
        let domain = HazardPointerDomain(configuration: .testing)
        var options = TortureOptions()
        options.readers = 1
        let run = TortureRun(domain: domain, options: options, planted: false, progress: { _ in })
        let object = run.state.takeFromPool()!
        let carrier = run.newCarrier(object: object)
        let participant = domain.register(slots: 1)
        participant.withGuard { guardian in
            guardian.store(run.rootLink, TaggedNode(carrier), .releasing)
            var counts = TortureCounts()
            guard let node = guardian.protect(run.rootLink, slot: 0).node,
                  let snapshot = run.check(node, context: "after protect", counts: &counts) else { return }
            let words = TortureCarrier.fields(node, dataOffset: run.state.dataOffset)
            let entry = run.state.objects + object
            // ORDERING: one thread; relaxed stores stand for what another thread would do.
            switch mutation {
            case .none: break
            case .agedPastOne: entry.pointee.age.store(2, ordering: .relaxed)
            case .carrierPoisoned: words[0].store(TortureCarrier.poisoned, ordering: .relaxed)
            case .carrierReused: words[3].store(snapshot.serial + 1, ordering: .relaxed)
            case .objectRecycled: entry.pointee.generation.add(1, ordering: .relaxed)
            case .objectPoisoned: entry.pointee.poison.store(TortureObject.poisonValue, ordering: .relaxed)
            case .unpublished: entry.pointee.ready.store(0, ordering: .relaxed)
            }
            _ = run.check(node, context: "before release", expecting: snapshot, counts: &counts)
            guardian.store(run.rootLink, .null, .releasing)
        }
        domain.deallocate(carrier, TortureCarrier.layout)
        domain.deallocate(run.root, run.rootLayout)
        return run.state.failure.withLock { $0 }
    }
}
