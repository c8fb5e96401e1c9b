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
import ReclaimBenchSupport
import ReclaimBenchKit
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
        let start = MonotonicClock.nanoseconds()
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
            let now = MonotonicClock.nanoseconds()
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
                nextStutter = MonotonicClock.nanoseconds() + stutter
                lastTick = MonotonicClock.nanoseconds()
                nextStat = max(nextStat, lastTick)
            }
            participant.whileOffline { TortureClock.sleep(microseconds: 5_000) }
            participant.quiescentState()
        }
        if statPeriod > 0 { statLine(now: MonotonicClock.nanoseconds(), start: start) }
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
}
