// Torture's release thread (hazptrtorture's lesson: a protection acquired by one thread
// and released by another) and the planted schemes' yield hook.

import CReclaimSupport
import Foundation
import ReclaimBenchKit
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension TortureRun {
    // MARK: the release thread

    /// Holds every handed-off protection at once (one sweep checks them all), and releases
    /// each when its hold is over: at least the release-thread time, and `holdReplacements`
    /// replacements or a writer waiting in synchronize(), or the hold cap. Holding them one
    /// after another would keep the newest waiting behind the oldest, far longer than asked.
    func releaseThreadBody() {
        _ = rs_set_timer_slack_ns(1)
        let minimum = UInt64(options.releaseThreadMilliseconds * 1e6)
        var held: [HandOffBox<R>] = []
        var releaseCounts = TortureCounts()
        while true {
            let done = readersDone.load(ordering: .acquiring)  // ORDERING: pairs with run()'s release store
            held += releaseQueue.withLock { queue in defer { queue = [] }; return queue }
            if held.isEmpty {
                if done { break }
                TortureClock.sleep(microseconds: 100)
                continue
            }
            let now = MonotonicClock.nanoseconds()
            let replacements = state.replacements.load(ordering: .relaxed)  // ORDERING: a statistic
            let writerWaits = writerSynchronizing.load(ordering: .relaxed)  // ORDERING: a hint
            // A pause or the end releases everything, after one last check.
            let hurry = paused.load(ordering: .relaxed) || state.stopping  // ORDERING: hints
            var kept: [HandOffBox<R>] = []
            var released = 0
            for box in held {
                let snapshot = TortureSnapshot(carrier: box.carrier, serial: box.serial, object: box.object, generation: box.generation, age: 1)
                let valid = check(UnsafeMutableRawPointer(bitPattern: box.carrier)!, context: "while handed off", expecting: snapshot, counts: &releaseCounts) != nil
                let elapsed = now &- box.nanosecondsAtDetach
                let over = elapsed >= holdCapNanoseconds
                    || (elapsed >= minimum && (replacements - box.replacementsAtDetach >= options.holdReplacements || writerWaits))
                if hurry || !valid || over {
                    domain.release(box.token.take()!)
                    // ORDERING: release; the supervisor's acquire load sees the release's effects.
                    handOffsInFlight.subtract(1, ordering: .releasing)
                    released += 1
                } else {
                    kept.append(box)
                }
            }
            held = kept
            releaseCounts.deferredReleased += released
            if released > 0 || releaseCounts.checks >= 4096 { state.counts.withLock { $0.add(releaseCounts) }; releaseCounts = TortureCounts() }
            if !held.isEmpty { TortureClock.sleep(microseconds: 20) }
        }
        state.counts.withLock { $0.add(releaseCounts) }
    }

    // MARK: planted schemes

    /// Holds a planted scheme's thread in its fault window until the carrier it holds has
    /// been freed (or the operation budget has passed).
    func installPlantedHook() {
        let state = state, budget = options.plantedBudgetReplacements
        PlantedYield.install { [self] node in
            let words = TortureCarrier.fields(node, dataOffset: state.dataOffset)
            let start = state.replacements.load(ordering: .relaxed)  // ORDERING: a statistic
            _ = plantedWindowAt.compareExchange(expected: -1, desired: start, ordering: .relaxed)  // ORDERING: a statistic
            // ORDERING: acquire pairs with the deleter's poisoning exchange.
            while words[0].load(ordering: .acquiring) == TortureCarrier.live && !state.stopping
                    && state.replacements.load(ordering: .relaxed) - start < budget {
                TortureClock.sleep(microseconds: 20)
            }
        } opened: { [self] in
            // ORDERING: a statistic.
            _ = plantedWindowAt.compareExchange(expected: -1, desired: state.replacements.load(ordering: .relaxed), ordering: .relaxed)
        }
    }
}
