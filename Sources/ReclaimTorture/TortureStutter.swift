// Torture's stutter (rcutorture's stutter: everyone pauses, everything goes back to the
// pool, the pool is checked), the end-of-run checks, and the pause point threads poll.

import CReclaimSupport
import Foundation
import ReclaimBenchKit
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension TortureRun {
    // MARK: stutter and the end: everything back in the pool

    /// Pauses every thread, brings every object but the current one back to the pool, and
    /// checks that it is there.
    func stutterPause(participant: borrowing R.Participant, pausable: Int, number: Int) {
        paused.store(true, ordering: .sequentiallyConsistent)  // ORDERING: threads poll it between operations
        // Every pausable thread is paused, and the release thread (which hurries during a
        // pause) has released every hand-off: nothing holds an object back.
        while (pausedThreads.load(ordering: .acquiring) < pausable || handOffsInFlight.load(ordering: .acquiring) > 0)
                && !state.stopping {
            participant.whileOffline { TortureClock.sleep(microseconds: 200) }
        }
        if !state.stopping {
            drainToPool()
            let inPool = state.poolCount
            state.counts.withLock { $0.stutterChecks += 1 }
            // ORDERING: relaxed; drain() returned after the frees it made (happens-before
            // through its barrier), and every other thread is paused.
            let outstanding = state.carriersMade.load(ordering: .relaxed) - state.carriersFreed.load(ordering: .relaxed)
            if inPool != state.objectCount - 1 {
                state.fail(.leaked, "stutter pause \(number): \(state.objectCount - 1 - inPool) object(s) of \(state.objectCount) not back in the pool after a drain (\(state.requeue.withLock { $0.count }) waiting in the re-queue)")
            } else if outstanding != 1 {
                // Only the published carrier may be live: a fake writer's or a churned
                // reader's retired carrier that a drain cannot free was lost on the way
                // (a leaving thread that dropped its garbage), not late.
                state.fail(.leaked, "stutter pause \(number): \(outstanding - 1) retired carrier node(s) never freed after a drain (made \(state.carriersMade.load(ordering: .relaxed)), freed \(state.carriersFreed.load(ordering: .relaxed)))")
            }
        }
        paused.store(false, ordering: .sequentiallyConsistent)  // ORDERING: as above
        while pausedThreads.load(ordering: .acquiring) > 0 && !state.stopping {
            participant.whileOffline { TortureClock.sleep(microseconds: 200) }
        }
    }

    /// Drains the domain and re-retires the re-queue until nothing moves: every object the
    /// writer removed goes through its whole pipe. Everyone else is paused or gone; each
    /// re-retire uses a participant that leaves before the next drain (a scheme may ask
    /// that no participant is left when it drains, as `none` does).
    func drainToPool() {
        for _ in 0..<(options.pipeLength * 4 + 8) {
            domain.drain()
            let waiting = state.requeue.withLock { items in defer { items = [] }; return items }
            if waiting.isEmpty && state.poolCount >= state.objectCount - 1 { break }
            let participant = domain.register(slots: 1)
            reRetire(waiting, participant: participant)
            participant.flush()
        }
    }

    /// Every thread has left: retire the current object too, drain, check, free what is left.
    func finish() {
        do {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                let current = guardian.load(rootLink, .acquiring)
                guard let node = current.node else { return }
                _ = guardian.compareExchange(rootLink, expected: current, desired: .null, .acquiringAndReleasing)
                let object = carrierObject(node)
                state.objects[object].age.store(1, ordering: .releasing)  // ORDERING: as in the writer
                guardian.retire(node, deleter: state.deleter)
            }
            participant.flush()
        }
        drainToPool()
        domain.drain()
        domain.deallocate(root, rootLayout)
        trimQuarantine(keeping: 0)
        let counts = state.counts.withLock { $0 }
        if state.failure.withLock({ $0 }) == nil {
            let inPool = state.poolCount
            if inPool != state.objectCount {
                state.fail(.leaked, "\(state.objectCount - inPool) object(s) of \(state.objectCount) not back in the pool at the end")
            } else if let imbalance = counts.imbalance {
                state.fail(.unbalanced, imbalance)
            } else if state.carriersMade.load(ordering: .relaxed) != state.carriersFreed.load(ordering: .relaxed) {  // ORDERING: joined
                state.fail(.leaked, "\(state.carriersMade.load(ordering: .relaxed) - state.carriersFreed.load(ordering: .relaxed)) carrier node(s) never freed")
            }
        }
    }

    func report() -> TortureReport {
        let window = plantedWindowAt.load(ordering: .relaxed)  // ORDERING: joined
        // ORDERING: every thread has joined; relaxed reads of final counts.
        return TortureReport(
            scheme: R.descriptor.id, planted: planted, readers: readerCount, fakeWriters: options.fakeWriters, cpus: cpus,
            seconds: state.elapsedSeconds, handsOff: handsOff,
            parameters: domain.configuration.parameters.map { "\($0.0)=\($0.1)" }.joined(separator: " "), reads: state.reads.load(ordering: .relaxed),
            replacements: state.replacements.load(ordering: .relaxed), carriersMade: state.carriersMade.load(ordering: .relaxed),
            carriersFreed: state.carriersFreed.load(ordering: .relaxed), objects: state.objectCount,
            objectsInPoolAtEnd: state.poolCount, poolEmpty: state.poolEmpty.load(ordering: .relaxed),
            counts: state.counts.withLock { $0 }, plantedWindowAt: window >= 0 ? window : nil,
            statLines: statLines.withLock { $0 }, failure: state.failure.withLock { $0 })
    }

    // MARK: pausing

    /// Between operations (outside every guard): waits while the run is paused.
    func pausePoint(_ participant: borrowing R.Participant, beforePause: () -> Void = {}) {
        guard paused.load(ordering: .relaxed) else { return }  // ORDERING: re-checked with acquire below
        beforePause()
        participant.flush()
        pausedThreads.add(1, ordering: .acquiringAndReleasing)  // ORDERING: pairs with the supervisor's acquire load
        participant.whileOffline {
            while paused.load(ordering: .acquiring) && !state.stopping { TortureClock.sleep(microseconds: 200) }
        }
        pausedThreads.subtract(1, ordering: .acquiringAndReleasing)  // ORDERING: as above
    }
}
