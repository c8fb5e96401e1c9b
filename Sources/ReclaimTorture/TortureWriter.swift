// Torture's writer (replaces the current object, sends the old carrier down its pipe),
// the carriers it makes, and the fake writers that retire carriers of their own.

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
    // MARK: carriers

    func carrierObject(_ node: UnsafeMutableRawPointer) -> Int {
        // ORDERING: relaxed; the carrier's fields were published with it.
        Int(Int64(bitPattern: TortureCarrier.fields(node, dataOffset: state.dataOffset)[1].load(ordering: .relaxed)))
    }

    func newCarrier(object: Int) -> UnsafeMutableRawPointer {
        let node = domain.allocate(TortureCarrier.layout)
        state.makeCarrier(node, object: object)
        return node
    }

    /// Retires a fresh, never-published carrier for each object: the next stage of its pipe.
    func reRetire(_ objects: [Int], participant: borrowing R.Participant) {
        guard !objects.isEmpty else { return }
        let carriers = objects.map { newCarrier(object: $0) }
        participant.withGuard { guardian in
            for node in carriers { guardian.retire(node, deleter: state.deleter) }
        }
    }

    /// Frees the oldest quarantined carriers beyond `keeping`.
    func trimQuarantine(keeping: Int = TortureState.quarantineLimit) {
        let old = state.quarantine.withLock { list -> [UInt] in
            guard list.count > keeping else { return [] }
            let count = keeping == 0 ? list.count : list.count - keeping / 2
            defer { list.removeFirst(count) }
            return Array(list.prefix(count))
        }
        for address in old { domain.deallocate(UnsafeMutableRawPointer(bitPattern: address)!, TortureCarrier.layout) }
    }

    // MARK: the writer

    func writerBody() {
        let participant = domain.register(slots: 1)
        var random = SplitMix64(seed: options.seed)
        var removed: [(node: UInt, object: Int, carrierFreed: Bool)] = []
        var counts = TortureCounts()
        while !state.stopping {
            pausePoint(participant) {
                // Objects waiting for synchronous grace periods finish their pipe first.
                while !removed.isEmpty { synchronizeAndAge(&removed, counts: &counts) }
            }
            let waiting = state.requeue.withLock { items in defer { items = [] }; return items }
            reRetire(waiting, participant: participant)
            trimQuarantine()
            if let object = state.takeFromPool() {
                replace(with: object, participant: participant, random: &random, removed: &removed, counts: &counts)
            } else {
                // Every object is somewhere in its pipe: push this thread's garbage to the
                // domain and let it free what it can (a per-thread bag that never fills
                // would otherwise hold the pipe up; rcutorture's writer relies on the
                // kernel's RCU core for the same), and age the synchronous pipe with a
                // whole grace period.
                participant.flush()
                domain.collect()
                if !removed.isEmpty { synchronizeAndAge(&removed, counts: &counts) }
            }
            // Each synchronous replacement's grace period ages every object in that pipe.
            if removed.contains(where: { !$0.carrierFreed }) { synchronizeAndAge(&removed, counts: &counts) }
            if options.writerIntervalMicros > 0 {
                let pause = random.below(options.writerIntervalMicros + 1)
                participant.whileOffline { TortureClock.sleep(microseconds: pause) }
            }
            participant.quiescentState()
        }
        while !removed.isEmpty { synchronizeAndAge(&removed, counts: &counts) }
        // No flush: what this thread still holds must reach the domain when it leaves.
        state.counts.withLock { $0.add(counts) }
    }

    /// Publishes a fresh carrier for `object`; the old one starts its pipe.
    func replace(
        with object: Int, participant: borrowing R.Participant, random: inout SplitMix64,
        removed: inout [(node: UInt, object: Int, carrierFreed: Bool)], counts: inout TortureCounts
    ) {
        let carrier = newCarrier(object: object)
        let useSynchronize = synchronizes && random.below(2) == 0
        participant.withGuard { guardian in
            var expected = guardian.load(rootLink, .acquiring)
            while true {
                // ORDERING: acq_rel; the release publishes the object's and the carrier's fields.
                let (exchanged, original) = guardian.compareExchange(rootLink, expected: expected, desired: TaggedNode(carrier), .acquiringAndReleasing)
                if exchanged { break }
                expected = original
            }
            guard let old = expected.node else { return }
            stressPoint(.unlinkedBeforeRetire)
            let oldObject = carrierObject(old)
            // rcutorture: the writer ages a removed object to 1; each grace period adds one.
            state.objects[oldObject].age.store(1, ordering: .releasing)  // ORDERING: readers' acquire age loads
            if useSynchronize {
                removed.append((UInt(bitPattern: old), oldObject, false))
            } else {
                guardian.retire(old, deleter: state.deleter)
                counts.asyncRetires += 1
            }
        }
        state.replacements.add(1, ordering: .relaxed)  // ORDERING: a statistic
    }

    /// One synchronize(): every removed object ages by one; the carriers removed before it
    /// can no longer be held and are freed (poisoned, quarantined).
    func synchronizeAndAge(_ removed: inout [(node: UInt, object: Int, carrierFreed: Bool)], counts: inout TortureCounts) {
        writerSynchronizing.store(true, ordering: .relaxed)  // ORDERING: a hint to holders
        // A grace period that waited for the one carrier not yet freed (hazard pointers wait
        // for that address only), else a whole one.
        let fresh = removed.filter { !$0.carrierFreed }
        if fresh.count == 1 {
            domain.synchronize(waitingFor: UnsafeMutableRawPointer(bitPattern: fresh[0].node)!)
        } else {
            domain.synchronize()
        }
        writerSynchronizing.store(false, ordering: .relaxed)
        counts.syncGracePeriods += 1
        var still: [(node: UInt, object: Int, carrierFreed: Bool)] = []
        for var entry in removed {
            if !entry.carrierFreed {
                entry.carrierFreed = true
                freeCarrierAfterSynchronize(UnsafeMutableRawPointer(bitPattern: entry.node)!)
            }
            // ORDERING: acq_rel, as the deleter's aging.
            let age = state.objects[entry.object].age.add(1, ordering: .acquiringAndReleasing).newValue
            if age >= options.pipeLength { state.returnToPool(entry.object) } else { still.append(entry) }
        }
        removed = still
    }

    func freeCarrierAfterSynchronize(_ node: UnsafeMutableRawPointer) {
        let words = TortureCarrier.fields(node, dataOffset: state.dataOffset)
        // ORDERING: acq_rel, as carrierFreed().
        guard words[0].exchange(TortureCarrier.poisoned, ordering: .acquiringAndReleasing) == TortureCarrier.live else {
            state.fail(.doubleFree, "a carrier freed after synchronize() was already poisoned")
            return
        }
        state.carriersFreed.add(1, ordering: .relaxed)  // ORDERING: a statistic
        state.quarantine.withLock { $0.append(UInt(bitPattern: node)) }
    }

    // MARK: fake writers

    func fakeWriterBody(_ index: Int) {
        let participant = domain.register(slots: 1)
        var random = SplitMix64(seed: options.seed &+ 0xFA4E &+ UInt64(index))
        while !state.stopping {
            pausePoint(participant)
            let node = newCarrier(object: -1)
            participant.withGuard { guardian in guardian.retire(node, deleter: state.deleter) }
            if synchronizes && random.below(64) == 0 { domain.synchronize() }
            let pause = random.below(options.writerIntervalMicros + 1)
            participant.whileOffline { TortureClock.sleep(microseconds: pause) }
            participant.quiescentState()
        }
        // No flush: what this thread still holds must reach the domain when it leaves.
    }
}
