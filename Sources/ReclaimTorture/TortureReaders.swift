// Torture's readers: protect the current carrier, check it and its object, sleep, spin,
// defer or hold the protection, and record the age they saw in the Reader Pipe.

import CReclaimSupport
import Foundation
import ReclaimBenchSupport
import ReclaimBenchKit
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension TortureRun {
    // MARK: readers

    /// One reader slot: a reader thread, replaced by a fresh one every churn period.
    func readerSlot(_ index: Int) {
        if options.churnMilliseconds <= 0 {
            readerBody(index, generation: 0, until: .max)
            return
        }
        var generation = 0
        while !state.stopping {
            let until = MonotonicClock.nanoseconds() + UInt64(options.churnMilliseconds * 1e6)
            let thread = JoinableThread { [self, generation] in readerBody(index, generation: generation, until: until) }
            thread.join()
            generation += 1
            state.counts.withLock { $0.churnedThreads += 1 }
        }
    }

    func readerBody(_ index: Int, generation: Int, until: UInt64) {
        if options.readerSleepMicros > 0 { _ = rs_set_timer_slack_ns(1) }
        let participant = domain.register(slots: 1)
        var random = SplitMix64(seed: options.seed &+ UInt64(index) &* 0x9E37 &+ UInt64(generation) &* 0x7F4A_7C15)
        var counts = TortureCounts()
        counts.pipe = Array(repeating: 0, count: options.pipeLength + 2)
        var pendingReads = 0
        while !state.stopping {
            pausePoint(participant)
            let deferNow = options.deferModulus > 0 && random.below(options.deferModulus) == 0
            let sleepNow = options.readerSleepMicros > 0 && random.below(options.readerSleepEvery) == 0
            // Now and then it flushes inside its guard, holding the carrier (allowed: a flush
            // only polls inside a section). A scheme whose flush counts its caller as
            // quiescent, or hands its record over, even in a section frees the carrier
            // under it: the check before release sees it.
            // Such a read spins a while first, so that the writer's retire can come before
            // the flush, and holds after it.
            let flushNow = random.below(128) == 0
            let spin = flushNow ? random.below(20_000) : random.below(16) == 0 ? random.below(1000) : 0
            // Now and then the reader blocks between operations (offline, for the schemes
            // that track it): coming back online is a window of its own (QS-E2).
            let offlineNow = random.below(32) == 0
            var handed = false, direct = false
            participant.withGuard { guardian in
                let current = guardian.protect(rootLink, slot: 0)
                guard let node = current.node else { counts.emptyReads += 1; return }
                guard let snapshot = check(node, context: "after protect", counts: &counts) else { return }
                for _ in 0..<spin { rs_cpu_relax() }
                if flushNow {
                    participant.flush()
                    counts.flushesInGuard += 1
                    // Then hold, checking, until the writer has moved on (as a long hold):
                    // a grace period or scan that the flush let end frees the carrier here.
                    guardian.prepareToBlock()
                    hold(snapshot, context: "held after a flush inside the guard", counts: &counts)
                }
                if sleepNow || (deferNow && !handsOff) {
                    // About to sleep (or hold long) inside the guard: hp-percpu demotes.
                    guardian.prepareToBlock()
                }
                if sleepNow {
                    let before = MonotonicClock.nanoseconds()
                    TortureClock.sleep(microseconds: options.readerSleepMicros)
                    counts.sleeps += 1
                    counts.sleptNanoseconds += MonotonicClock.nanoseconds() - before
                }
                if deferNow && handsOff {
                    let token = guardian.detach(slot: 0)
                    handOffsInFlight.add(1, ordering: .relaxed)  // ORDERING: the queue's lock orders the rest
                    counts.deferredAcquired += 1
                    handed = true
                    let box = HandOffBox<R>(
                        token: token, carrier: snapshot.carrier, serial: snapshot.serial, object: snapshot.object,
                        generation: snapshot.generation, replacements: state.replacements.load(ordering: .relaxed),  // ORDERING: a statistic
                        nanoseconds: MonotonicClock.nanoseconds())
                    releaseQueue.withLock { $0.append(box) }
                    return
                }
                if deferNow {
                    counts.longAcquired += 1
                    hold(snapshot, context: "held long", counts: &counts)
                    counts.longReleased += 1
                }
                guard let final = check(node, context: "before release", expecting: snapshot, counts: &counts) else { return }
                counts.pipe[min(final.age, options.pipeLength + 1)] += 1
                direct = true
            }
            if direct {
                counts.directAcquired += 1
                counts.directReleased += 1
            }
            _ = handed
            pendingReads += 1
            if pendingReads == 4096 {
                state.reads.add(pendingReads, ordering: .relaxed)  // ORDERING: a statistic
                pendingReads = 0
                publish(&counts)
            }
            participant.quiescentState()
            if offlineNow { participant.whileOffline { TortureClock.sleep(microseconds: random.below(20)) } }
            if MonotonicClock.nanoseconds() >= until { break }
        }
        state.reads.add(pendingReads, ordering: .relaxed)  // ORDERING: a statistic
        publish(&counts)
    }

    /// Adds a thread's counts to the run's and starts them again from zero.
    func publish(_ counts: inout TortureCounts) {
        state.counts.withLock { $0.add(counts) }
        let pipe = counts.pipe.count
        counts = TortureCounts()
        counts.pipe = Array(repeating: 0, count: pipe)
    }

    /// Checks a protected carrier and its object; fails the run and returns nil when either
    /// was reclaimed, recycled, or not fully published.
    func check(_ node: UnsafeMutableRawPointer, context: String, expecting: TortureSnapshot? = nil, counts: inout TortureCounts) -> TortureSnapshot? {
        counts.checks += 1
        let words = TortureCarrier.fields(node, dataOffset: state.dataOffset)
        // ORDERING: acquire pairs with the deleter's acq_rel poisoning exchange.
        let magic = words[0].load(ordering: .acquiring)
        let serial = words[3].load(ordering: .relaxed)  // ORDERING: published with the carrier
        guard magic == TortureCarrier.live else {
            state.fail(.carrierFreedUnderProtection, "a reader saw carrier \(serial) poisoned \(context)")
            return nil
        }
        let object = Int(Int64(bitPattern: words[1].load(ordering: .relaxed)))  // ORDERING: published with the carrier
        let generation = words[2].load(ordering: .relaxed)
        if let expecting, expecting.serial != serial {
            state.fail(.carrierFreedUnderProtection, "carrier \(expecting.serial) became carrier \(serial) under protection (\(context))")
            return nil
        }
        guard object >= 0 && object < state.objectCount else {
            state.fail(.carrierFreedUnderProtection, "carrier \(serial) names object \(object) (\(context))")
            return nil
        }
        let entry = state.objects + object
        // ORDERING: acquire pairs with returnToPool's releasing generation bump.
        let currentGeneration = entry.pointee.generation.load(ordering: .acquiring)
        if currentGeneration != generation {
            state.fail(.generationChanged, "object \(object) went back to the pool (generation \(generation) → \(currentGeneration)) \(context)")
            return nil
        }
        if entry.pointee.poison.load(ordering: .relaxed) != 0 {  // ORDERING: ordered by the generation load
            state.fail(.objectPoisoned, "object \(object) is poisoned \(context)")
            return nil
        }
        if entry.pointee.ready.load(ordering: .relaxed) != TortureObject.readyValue(generation) {  // ORDERING: published with the carrier
            state.fail(.publication, "object \(object)'s publication field is not set \(context): the protect did not acquire what the writer released")
            return nil
        }
        let age = entry.pointee.age.load(ordering: .acquiring)  // ORDERING: pairs with the aging RMWs
        if age > 1 {
            state.fail(.prematureAge, "a reader saw object \(object) at age \(age) \(context) (> 1: a grace period ended under it)")
            return nil
        }
        return TortureSnapshot(carrier: UInt(bitPattern: node), serial: serial, object: object, generation: generation, age: age)
    }

    /// Holds a protection (a deferred one, or a long one on the reading thread) for the
    /// release-thread time and `holdReplacements` writer replacements, checking it
    /// throughout. Replacements stop counting while the writer waits in synchronize() (it
    /// may be waiting for this very protection); the hold cap bounds the rest.
    func hold(_ snapshot: TortureSnapshot, context: String, counts: inout TortureCounts) {
        let startReplacements = state.replacements.load(ordering: .relaxed)  // ORDERING: a statistic
        let start = MonotonicClock.nanoseconds()
        let minimum = UInt64(options.releaseThreadMilliseconds * 1e6)
        let node = UnsafeMutableRawPointer(bitPattern: snapshot.carrier)!
        while !state.stopping {
            guard check(node, context: context, expecting: snapshot, counts: &counts) != nil else { return }
            let elapsed = MonotonicClock.nanoseconds() - start
            let replaced = state.replacements.load(ordering: .relaxed) - startReplacements  // ORDERING: a statistic
            let writerWaits = writerSynchronizing.load(ordering: .relaxed)  // ORDERING: a hint
            if (elapsed >= minimum && (replaced >= options.holdReplacements || writerWaits)) || elapsed >= holdCapNanoseconds { break }
            TortureClock.sleep(microseconds: 20)
        }
        _ = check(node, context: context, expecting: snapshot, counts: &counts)
    }
}
