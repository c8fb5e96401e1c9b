import Foundation
// The torture test, after the kernel's rcutorture (Paul McKenney) and hazptrtorture (its
// 2026 hazard-pointer descendant, which found that a hazard pointer acquired by one task
// and released by another corrupts the overflow list). Read to understand the design —
// kernel/rcu/rcutorture.c, the hazptrtorture commits, their module parameters — and
// written anew for a userspace scheme behind the Reclaimer protocol.
//
// One writer replaces the current object; its old carrier goes through `pipeLength`
// reclamations (asynchronous: retire with a deleter that ages the object and re-retires
// it; synchronous: synchronize() and age, for schemes that have it) before the object
// returns to the pool. Readers protect the current carrier, check it and its object
// (poison, generation, publication field), sometimes sleep or spin, sometimes defer the
// protection (hand it to the release thread, or hold it long), and record the age they
// saw in the Reader Pipe. An age above 1 under protection is a premature reclamation.

import CReclaimSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a torture run found.
public struct TortureReport: Sendable {
    public var scheme: String
    public var planted: Bool
    public var readers: Int
    public var fakeWriters: Int
    public var cpus: Int
    public var seconds: Double
    /// Deferred protections went to the release thread (true) or were held long (false).
    public var handsOff: Bool
    /// The domain's parameters (`key=value`).
    public var parameters: String
    public var reads: Int
    public var replacements: Int
    public var carriersMade: Int
    public var carriersFreed: Int
    public var objects: Int
    public var objectsInPoolAtEnd: Int
    public var poolEmpty: Int
    public var counts: TortureCounts
    /// Replacements when a planted scheme first reached its yield point (nil: never).
    public var plantedWindowAt: Int?
    public var statLines: [String]
    public var failure: TortureFailure?
    /// The stress build's injection at work: points reached and stalled, publishes a
    /// membarrier drained (nil in the normal build).
    public var stress: String?
    /// The command that reproduces this run (the CLI sets it; a FAILURE prints it).
    public var reproduce: String?

    public var success: Bool { failure == nil }
    public var pipe: [Int] { counts.pipe }
}

public enum Torture {
    /// The command line that reproduces the run, said with the first failure (the CLI sets it).
    public static let reproduceCommand = Mutex<String?>(nil)
    /// Runs the torture test on `scheme`. `progress` gets the periodic stat lines. The
    /// domain gets `.testing` thresholds by default (scan or seal every few retires, a 1 ms
    /// scan period), so that every stage of the pipe is a reclamation soon after it is due.
    public static func run<R: Reclaimer>(
        _ scheme: R.Type, options: TortureOptions, configuration: ReclaimerConfiguration = .testing,
        planted: Bool = false, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(RunnerError) -> TortureReport {
        try options.validate()
        if R.descriptor.family == .baseline && !planted {
            let others = SchemeID.allCases.filter { $0 != .none }.map(\.rawValue).joined(separator: ", ")
            throw RunnerError(.usage, "torture: \(R.descriptor.id) frees nothing until drain(), so no object would come back through the pipe; torture one of \(others)")
        }
        let domain: R
        do { domain = try R(configuration: configuration) } catch {
            throw RunnerError(.usage, "torture: \(R.descriptor.id) cannot run here: \(error)")
        }
        #if RECLAIMBENCH_STRESS
        StressInjection.start(seed: options.seed)
        let before = StressInjection.counts(), drainsBefore = StoreBufferModel.membarrierDrains
        var report = TortureRun(domain: domain, options: options, planted: planted, progress: progress).run()
        StressInjection.stop()
        let after = StressInjection.counts()
        let reached = zip(before, after).map { ($0.point, $1.hits - $0.hits, $1.stalls - $0.stalls) }.filter { $0.1 > 0 }
        report.stress = "stress build, seed \(options.seed): "
            + reached.map { "\($0.0.name) \($0.1) (\($0.2) stalled)" }.joined(separator: ", ")
            + "; \(StoreBufferModel.membarrierDrains - drainsBefore) buffered publish(es) drained by a membarrier"
        return report
        #else
        return TortureRun(domain: domain, options: options, planted: planted, progress: progress).run()
        #endif
    }
}

/// A protection handed from a reader to the release thread.
final class HandOffBox<R: Reclaimer>: @unchecked Sendable {
    // SAFETY: created by one reader, then owned by the release thread alone (through a lock).
    var token: R.HandOff?
    let carrier: UInt
    let serial: UInt64
    let object: Int
    let generation: UInt64
    let replacementsAtDetach: Int
    let nanosecondsAtDetach: UInt64

    init(token: consuming R.HandOff, carrier: UInt, serial: UInt64, object: Int, generation: UInt64,
         replacements: Int, nanoseconds: UInt64) {
        self.token = consume token
        self.carrier = carrier
        self.serial = serial
        self.object = object
        self.generation = generation
        replacementsAtDetach = replacements
        nanosecondsAtDetach = nanoseconds
    }
}

/// What a reader checked right after protecting a carrier.
struct TortureSnapshot {
    var carrier: UInt
    var serial: UInt64
    var object: Int
    var generation: UInt64
    var age: Int
}

final class TortureRun<R: Reclaimer>: @unchecked Sendable {
    // SAFETY: the domain is Sendable; the rest is immutable, atomic or behind locks.
    let domain: R
    let options: TortureOptions
    let planted: Bool
    let progress: @Sendable (String) -> Void
    let state: TortureState
    let root: UnsafeMutableRawPointer
    let rootLayout = NodeLayout(links: 1, dataBytes: 0)
    let cpus = Matrix.onlineCPUs
    let readerCount: Int
    let handsOff = R.capabilities.contains(.crossThreadRelease)
    let synchronizes = R.capabilities.contains(.blockingSynchronize)
    let releaseQueue = Locked<[HandOffBox<R>]>([])
    let readersDone = Atomic<Bool>(false)
    // Stutter: the main thread pauses everyone, checks the pool, resumes.
    let paused = Atomic<Bool>(false)
    let pausedThreads = Atomic<Int>(0)
    let plantedWindowAt = Atomic<Int>(-1)
    /// The writer is inside synchronize(): it makes no replacements until the protections
    /// that existed when it was called end, so holds stop waiting for replacements.
    let writerSynchronizing = Atomic<Bool>(false)
    /// Protections detached and not yet released (a stutter pause waits for zero).
    let handOffsInFlight = Atomic<Int>(0)
    let statLines = Locked<[String]>([])

    init(domain: R, options: TortureOptions, planted: Bool, progress: @escaping @Sendable (String) -> Void) {
        self.domain = domain
        self.options = options
        self.planted = planted
        self.progress = progress
        state = TortureState(options: options, dataOffset: TortureCarrier.layout.dataOffset(R.self),
                             keepsCarriers: R.descriptor.deleterMayKeepNode)
        root = domain.allocate(rootLayout)
        readerCount = options.readerCount(cpus: Matrix.onlineCPUs)
    }

    var rootLink: UnsafeMutablePointer<R.Link> { rootLayout.link(root, 0, R.self) }

    var holdCapNanoseconds: UInt64 { UInt64(max(20.0, 10 * options.releaseThreadMilliseconds) * 1e6) }

    // MARK: the run

    func run() -> TortureReport {
        if planted { installPlantedHook() }
        defer { if planted { PlantedYield.remove() } }
        publishFirstObject()
        // The release thread does not pause: a reader may hand it a protection just before
        // pausing, and the writer's last synchronize() before its own pause waits for that.
        let pausable = 1 + readerCount + options.fakeWriters
        var threads: [JoinableThread] = []
        let writer = JoinableThread { [self] in writerBody() }
        for index in 0..<options.fakeWriters { threads.append(JoinableThread { [self] in fakeWriterBody(index) }) }
        var readers: [JoinableThread] = []
        for index in 0..<readerCount { readers.append(JoinableThread { [self] in readerSlot(index) }) }
        let releaser = handsOff && options.deferModulus > 0 ? JoinableThread { [self] in releaseThreadBody() } : nil
        supervise(pausable: pausable)
        state.stop.store(true, ordering: .relaxed)  // ORDERING: a flag; threads are joined below
        paused.store(false, ordering: .relaxed)
        for reader in readers { reader.join() }
        readersDone.store(true, ordering: .releasing)  // ORDERING: the release thread drains after this
        releaser?.join()
        for thread in threads { thread.join() }
        writer.join()
        finish()
        return report()
    }

    /// Publishes the first object before any reader starts, so that no read finds the
    /// root empty.
    func publishFirstObject() {
        let participant = domain.register(slots: 1)
        guard let object = state.takeFromPool() else { return }
        let carrier = newCarrier(object: object)
        participant.withGuard { guardian in guardian.store(rootLink, TaggedNode(carrier), .releasing) }
    }

    /// The main thread: stat lines, the writer-progress check, stutter, until the duration.
    func supervise(pausable: Int) {
        let start = Sampler.nowNanoseconds()
        let end = start + UInt64(options.durationSeconds * 1e9)
        let statPeriod = UInt64(options.statIntervalSeconds * 1e9)
        var nextStat = statPeriod > 0 ? start + statPeriod : .max
        var lastReplacements = 0
        var runningSinceProgress: UInt64 = 0
        var lastTick = start
        let stutter = UInt64(options.stutterSeconds * 1e9)
        var nextStutter = stutter > 0 ? start + stutter : .max
        var pauses = 0
        let participant = domain.register(slots: 1)
        while !state.stopping {
            let now = Sampler.nowNanoseconds()
            if now >= end { break }
            let replacements = state.replacements.load(ordering: .relaxed)  // ORDERING: a statistic
            if options.maxReplacements > 0 && replacements >= options.maxReplacements { break }
            if replacements != lastReplacements {
                lastReplacements = replacements
                runningSinceProgress = 0
            } else {
                runningSinceProgress += now - lastTick
            }
            lastTick = now
            // A writer that made no replacement for a whole stat interval of running time fails.
            let starvedAfter = statPeriod > 0 ? statPeriod : UInt64(options.durationSeconds * 1e9)
            if runningSinceProgress >= starvedAfter {
                state.fail(.writerStarved, "no replacement in \(String(format: "%.1f", Double(starvedAfter) / 1e9)) s of running time (\(replacements) so far; pool \(state.poolCount) of \(state.objectCount))")
                break
            }
            if now >= nextStat {
                statLine(now: now, start: start)
                nextStat += statPeriod
            }
            if now >= nextStutter && !state.stopping {
                pauses += 1
                stutterPause(participant: participant, pausable: pausable, number: pauses)
                nextStutter = Sampler.nowNanoseconds() + stutter
                lastTick = Sampler.nowNanoseconds()
                nextStat = max(nextStat, lastTick)
            }
            participant.whileOffline { TortureClock.sleep(microseconds: 5_000) }
            participant.quiescentState()
        }
        if statPeriod > 0 { statLine(now: Sampler.nowNanoseconds(), start: start) }
        if state.replacements.load(ordering: .relaxed) == 0 && !state.stopping {  // ORDERING: a statistic
            state.fail(.writerStarved, "the writer made no replacement in the whole run")
        }
    }

    func statLine(now: UInt64, start: UInt64) {
        let pipe = state.counts.withLock { $0.pipe }
        // ORDERING: statistics.
        let line = String(format: "t=%.1fs", Double(now - start) / 1e9)
            + " reads \(state.reads.load(ordering: .relaxed)) replacements \(state.replacements.load(ordering: .relaxed))"
            + " pool \(state.poolCount)/\(state.objectCount) carriers \(state.carriersMade.load(ordering: .relaxed))/\(state.carriersFreed.load(ordering: .relaxed))"
            + " pipe: \(pipe.map(String.init).joined(separator: " "))"
            + (state.failure.withLock { $0 } != nil ? " FAILING" : "")
        statLines.withLock { $0.append(line) }
        progress(line)
    }

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

    // MARK: readers

    /// One reader slot: a reader thread, replaced by a fresh one every churn period.
    func readerSlot(_ index: Int) {
        if options.churnMilliseconds <= 0 {
            readerBody(index, generation: 0, until: .max)
            return
        }
        var generation = 0
        while !state.stopping {
            let until = Sampler.nowNanoseconds() + UInt64(options.churnMilliseconds * 1e6)
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
            let spin = random.below(16) == 0 ? random.below(1000) : 0
            // Now and then the reader blocks between operations (offline, for the schemes
            // that track it): coming back online is a window of its own (QS-E2).
            let offlineNow = random.below(32) == 0
            var handed = false, direct = false
            participant.withGuard { guardian in
                let current = guardian.protect(rootLink, slot: 0)
                guard let node = current.node else { counts.emptyReads += 1; return }
                guard let snapshot = check(node, context: "after protect", counts: &counts) else { return }
                for _ in 0..<spin { rs_cpu_relax() }
                if sleepNow || (deferNow && !handsOff) {
                    // About to sleep (or hold long) inside the guard: hp-percpu demotes.
                    guardian.prepareToBlock()
                }
                if sleepNow {
                    let before = Sampler.nowNanoseconds()
                    TortureClock.sleep(microseconds: options.readerSleepMicros)
                    counts.sleeps += 1
                    counts.sleptNanoseconds += Sampler.nowNanoseconds() - before
                }
                if deferNow && handsOff {
                    let token = guardian.detach(slot: 0)
                    handOffsInFlight.add(1, ordering: .relaxed)  // ORDERING: the queue's lock orders the rest
                    counts.deferredAcquired += 1
                    handed = true
                    let box = HandOffBox<R>(
                        token: token, carrier: snapshot.carrier, serial: snapshot.serial, object: snapshot.object,
                        generation: snapshot.generation, replacements: state.replacements.load(ordering: .relaxed),  // ORDERING: a statistic
                        nanoseconds: Sampler.nowNanoseconds())
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
            if Sampler.nowNanoseconds() >= until { break }
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
        let start = Sampler.nowNanoseconds()
        let minimum = UInt64(options.releaseThreadMilliseconds * 1e6)
        let node = UnsafeMutableRawPointer(bitPattern: snapshot.carrier)!
        while !state.stopping {
            guard check(node, context: context, expecting: snapshot, counts: &counts) != nil else { return }
            let elapsed = Sampler.nowNanoseconds() - start
            let replaced = state.replacements.load(ordering: .relaxed) - startReplacements  // ORDERING: a statistic
            let writerWaits = writerSynchronizing.load(ordering: .relaxed)  // ORDERING: a hint
            if (elapsed >= minimum && (replaced >= options.holdReplacements || writerWaits)) || elapsed >= holdCapNanoseconds { break }
            TortureClock.sleep(microseconds: 20)
        }
        _ = check(node, context: context, expecting: snapshot, counts: &counts)
    }

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
            let now = Sampler.nowNanoseconds()
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

/// Sleeping in microseconds (timer slack is set to 1 ns on reader threads).
enum TortureClock {
    static func sleep(microseconds: Int) {
        guard microseconds > 0 else { return }
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
