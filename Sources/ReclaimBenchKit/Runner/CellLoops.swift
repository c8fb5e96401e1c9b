import CReferenceLibraries
import Histogram
import LockFreeStructures
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The loops a cell's worker threads run, one `@inline(never)` function per kind of thread.
/// The cells call them (CellExecution) and so does the instruction probe, with a fixed
/// number of batches: scripts/instruction-check.sh counts exactly the loop a cell runs.
///
/// Per operation a loop adds to the scheme's own path only: one SplitMix64 draw turned into
/// an index (Lemire's multiply-shift), the geometric latency sampler's countdown, the
/// quiescent state every workload announces, and a running checksum. Phase, counts and the
/// writer's clock are per batch of `batch` operations; a timed operation (one in ~1000) is
/// an outlined slow path. No closure, no class-field load the loop could hoist, no ARC.
@usableFromInline
enum CellLoops {
    /// Operations between two looks at the phase.
    @inlinable static var batch: Int { 64 }

    /// The phase word a cell's threads read once per batch.
    @usableFromInline
    struct PhaseWord: @unchecked Sendable {
        // SAFETY: the word is allocated by the cell's harness (or the probe), outlives every
        // loop that reads it, and is only touched atomically.
        @usableFromInline let word: UnsafeMutablePointer<Atomic<Int>>

        @inlinable init(word: UnsafeMutablePointer<Atomic<Int>>) { self.word = word }

        /// Relaxed: a flag; a batch's worth of skew at the window's edges is noise.
        @inlinable @inline(__always)
        var current: CellHarnessPhase { CellHarnessPhase(rawValue: word.pointee.load(ordering: .relaxed)) ?? .stopped }
    }

    /// What one thread's loop measured (measured window only) besides its latency samples.
    @usableFromInline
    struct Counts {
        @usableFromInline var reads = 0, updates = 0
        @usableFromInline var sleeps = 0, sleptNanoseconds: UInt64 = 0
        @usableFromInline var checksum = 0
        @inlinable init() {}
    }

    /// Slot-table readers (read-mostly, overcommit): protect and read one random slot's
    /// node per operation. With `sleepEvery` > 0, every `sleepEvery`-th read sleeps
    /// `sleepMicros` inside its guard (the overcommit workload's preempted reader) — a
    /// countdown, never a division; with 0 the loop has no countdown at all.
    @inlinable @inline(never)
    static func cellSlotTableReaderLoop<R: Reclaimer, S: SlotStructure<R>>(
        _ table: S, _ participant: borrowing R.Participant, phase: PhaseWord, seed: UInt64,
        sleepEvery: Int, sleepMicros: Int, readWork: Int = 0, batches: Int, latency: inout Histogram<UInt64>,
        counts: inout Counts
    ) {
        let work = UInt32(truncatingIfNeeded: readWork)
        var random = SplitMix64(seed: seed)
        var sampler = LatencySampler(seed: seed)
        let slots = UInt64(table.count)
        let reader = table.reader
        var untilSleep = sleepEvery
        var checksum = 0, reads = 0
        var left = batches
        while left > 0 {
            left &-= 1
            let current = phase.current
            if current == .stopped { break }
            let measuring = current == .measuring
            if sleepEvery == 0 && work == 0 {
                // Read-mostly: no sleep countdown and no read work in the loop (fewer live
                // registers; the work's loop test alone cost 5 instructions a read).
                for _ in 0..<batch {
                    let index = SplitMix64.scaled(random.next() >> 32, below: slots)
                    if sampler.due() {
                        checksum &+= timedRead(table, index, participant, measuring: measuring, latency: &latency)
                    } else {
                        checksum &+= reader.read(index, using: participant)
                    }
                    participant.quiescentState()
                }
            } else if sleepEvery == 0 {
                // Read-mostly with read work (`--read-work`), after the guard.
                for _ in 0..<batch {
                    let index = SplitMix64.scaled(random.next() >> 32, below: slots)
                    let value = sampler.due()
                        ? timedRead(table, index, participant, measuring: measuring, latency: &latency)
                        : reader.read(index, using: participant)
                    checksum &+= worked(value, work)
                    participant.quiescentState()
                }
            } else {
                for _ in 0..<batch {
                    let index = SplitMix64.scaled(random.next() >> 32, below: slots)
                    untilSleep &-= 1
                    if untilSleep == 0 {
                        untilSleep = sleepEvery
                        checksum &+= sleepingRead(table, index, participant, micros: sleepMicros, measuring: measuring,
                                                  counts: &counts)
                    } else if sampler.due() {
                        checksum &+= timedRead(table, index, participant, measuring: measuring, latency: &latency)
                    } else {
                        checksum &+= reader.read(index, using: participant)
                    }
                    participant.quiescentState()
                }
            }
            if measuring { reads &+= batch }
        }
        counts.reads &+= reads
        counts.checksum &+= checksum
    }

    /// `rounds` of the cells' read work on a read's value (rl_read_work, shared with the C
    /// harness; inlined). The lean loop, at 0 rounds, does not call it.
    @inline(__always)
    @inlinable
    static func worked(_ value: Int, _ rounds: UInt32) -> Int {
        Int(truncatingIfNeeded: rl_read_work(UInt64(truncatingIfNeeded: value), rounds))
    }

    @inlinable @inline(never)
    static func timedRead<R: Reclaimer, S: SlotStructure<R>>(
        _ table: S, _ index: Int, _ participant: borrowing R.Participant, measuring: Bool,
        latency: inout Histogram<UInt64>
    ) -> Int {
        let start = RetireTiming.now()
        let value = table.read(index, using: participant)
        if measuring { _ = latency.record(RetireTiming.now() &- start) }
        return value
    }

    @inlinable @inline(never)
    static func sleepingRead<R: Reclaimer, S: SlotStructure<R>>(
        _ table: S, _ index: Int, _ participant: borrowing R.Participant, micros: Int, measuring: Bool,
        counts: inout Counts
    ) -> Int {
        var slept: UInt64 = 0
        let value = table.read(index, using: participant) {
            let before = RetireTiming.now()
            CellTiming.sleep(seconds: Double(micros) / 1e6)
            slept = RetireTiming.now() &- before
        }
        if measuring {
            counts.sleeps &+= 1
            counts.sleptNanoseconds &+= slept
        }
        return value
    }

    /// Hash-map workers (read-mostly): one draw per operation gives the key (high half)
    /// and the dice (low half); `readPercent` of operations are lookups, the rest split
    /// insert / remove evenly.
    @inlinable @inline(never)
    static func cellMapWorkerLoop<R: Reclaimer, S: KeyedStructure<R>>(
        _ map: S, _ participant: borrowing R.Participant, phase: PhaseWord, seed: UInt64,
        keyRange: Int, readPercent: Int, batches: Int, latency: inout Histogram<UInt64>, counts: inout Counts
    ) {
        var random = SplitMix64(seed: seed)
        var sampler = LatencySampler(seed: seed)
        let keys = UInt64(keyRange)
        let lookupBelow = UInt64(readPercent * 2)  // dice in 0..<200
        var hits = 0, operations = 0, updates = 0
        var left = batches
        while left > 0 {
            left &-= 1
            let current = phase.current
            if current == .stopped { break }
            let measuring = current == .measuring
            var batchUpdates = 0
            for _ in 0..<batch {
                let draw = random.next()
                let key = SplitMix64.scaled(draw >> 32, below: keys)
                let dice = UInt64(SplitMix64.scaled(draw, below: 200))
                if sampler.due() {
                    let (hit, update) = timedMapOperation(map, key, dice, lookupBelow, participant, measuring: measuring,
                                                          latency: &latency)
                    hits &+= hit ? 1 : 0
                    batchUpdates &+= update ? 1 : 0
                } else if dice < lookupBelow {
                    hits &+= map.contains(key, using: participant) ? 1 : 0
                } else {
                    if dice & 1 == 0 { _ = map.insert(key, value: Int(dice), using: participant) } else { _ = map.remove(key, using: participant) }
                    batchUpdates &+= 1
                }
                participant.quiescentState()
            }
            if measuring {
                operations &+= batch
                updates &+= batchUpdates
            }
        }
        counts.reads &+= operations &- updates
        counts.updates &+= updates
        counts.checksum &+= hits
    }

    @inlinable @inline(never)
    static func timedMapOperation<R: Reclaimer, S: KeyedStructure<R>>(
        _ map: S, _ key: Int, _ dice: UInt64, _ lookupBelow: UInt64, _ participant: borrowing R.Participant,
        measuring: Bool, latency: inout Histogram<UInt64>
    ) -> (hit: Bool, update: Bool) {
        let start = RetireTiming.now()
        var hit = false, update = false
        if dice < lookupBelow {
            hit = map.contains(key, using: participant)
        } else {
            if dice & 1 == 0 { _ = map.insert(key, value: Int(dice), using: participant) } else { _ = map.remove(key, using: participant) }
            update = true
        }
        if measuring { _ = latency.record(RetireTiming.now() &- start) }
        return (hit, update)
    }

    /// Updaters of the reclaim-latency cells: every operation retires. `operation` gets
    /// the operation's draw; it runs once per operation, so these loops are not lean in the
    /// way the readers' are (the retire dominates) and are not instruction-checked.
    @inlinable
    static func cellUpdaterLoop<R: Reclaimer>(
        _ scheme: R.Type, _ participant: borrowing R.Participant, phase: PhaseWord, seed: UInt64,
        latency: inout Histogram<UInt64>, counts: inout Counts, operation: (UInt64) -> Void
    ) {
        var random = SplitMix64(seed: seed)
        var sampler = LatencySampler(seed: seed)
        var updates = 0
        while true {
            let current = phase.current
            if current == .stopped { break }
            let measuring = current == .measuring
            for _ in 0..<batch {
                let draw = random.next()
                if measuring && sampler.due() {
                    let start = RetireTiming.now()
                    operation(draw)
                    _ = latency.record(RetireTiming.now() &- start)
                } else {
                    operation(draw)
                }
                participant.quiescentState()
            }
            if measuring { updates &+= batch }
        }
        counts.updates &+= updates
    }
}

/// The phases of a cell, in order.
@usableFromInline
enum CellHarnessPhase: Int { case waiting = 0, warmup, measuring, stopped }

/// Sleeping for the cells: relative sleeps (the overcommit reader, the window) and the
/// paced writer's absolute deadlines.
@usableFromInline
enum CellTiming {
    @usableFromInline
    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
    }

    /// Sleeps until CLOCK_MONOTONIC reads `deadline` (ns); returns at once if it has passed.
    /// An absolute deadline does not drift with the time the caller spends between sleeps.
    @usableFromInline
    static func sleep(untilNanoseconds deadline: UInt64) {
        var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nil) == EINTR {}
    }

    /// CPU time this thread has used, in nanoseconds (CLOCK_THREAD_CPUTIME_ID).
    @usableFromInline
    static func threadCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
