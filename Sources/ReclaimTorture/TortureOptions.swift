import ReclaimBenchKit
/// The torture test's parameters, named after rcutorture's and hazptrtorture's module
/// parameters where one exists.
public struct TortureOptions: Sendable, Equatable {
    /// Reader threads; negative: that multiple of the online CPUs (−4 on 2 CPUs: 8).
    public var readers = -1
    /// Extra threads that retire fresh, never-published nodes (rcutorture's fake writers):
    /// more reclamation work for the scheme, more grace periods.
    public var fakeWriters = 1
    public var durationSeconds = 10.0
    /// The operation budget: the run ends after this many writer replacements, or at
    /// `durationSeconds`, whichever comes first. 0: the duration alone.
    public var maxReplacements = 0
    /// After a failure, end the process (exit 1) if the threads have not stopped within
    /// this many seconds: a broken scheme may block a thread for good. nil: wait (tests);
    /// the command line sets 30.
    public var exitAfterFailureSeconds: Int?
    /// Seconds between progress lines; a writer that made no replacement in one fails the
    /// run. 0: no progress lines (the writer is still checked once, at the end).
    public var statIntervalSeconds = 5.0
    /// A reader sleeps this long inside its guard on about one read in `readerSleepEvery`.
    public var readerSleepMicros = 50
    public var readerSleepEvery = 256
    /// One protection in this many is deferred: handed to the release thread (schemes with
    /// cross-thread release) or held long on the same thread (the others). 0: never.
    public var deferModulus = 64
    /// How long the release thread (or a long-holding reader) keeps a deferred protection
    /// at least; it also waits for `holdReplacements` writer replacements.
    public var releaseThreadMilliseconds = 1.0
    /// Readers leave and new threads register every this many ms. 0: never.
    public var churnMilliseconds = 0.0
    /// Run this many seconds, pause as long, and check at each pause that every object but
    /// the current one is back in the pool. 0: no stutter.
    public var stutterSeconds = 0.0
    /// The writer waits up to this many µs (uniformly drawn) between replacements.
    public var writerIntervalMicros = 100
    public var seed: UInt64 = 1
    /// Grace periods an object goes through before it returns to the pool.
    public var pipeLength = 10
    /// Objects per pipe stage (the pool holds `pipeLength × objectsPerStage`).
    public var objectsPerStage = 10
    /// Writer replacements a deferred or long-held protection lasts (with the time above):
    /// enough for a node freed early to go through the whole pipe and be seen.
    public var holdReplacements = 40
    /// A planted scheme's yield point holds its thread until the node is freed, or for at
    /// most this many writer replacements.
    public var plantedBudgetReplacements = 100_000

    public init() {}

    /// Readers after resolving a negative count against `cpus`.
    public func readerCount(cpus: Int) -> Int { readers < 0 ? -readers * max(1, cpus) : readers }

    /// Bad values are usage errors (64) naming the value and what is allowed.
    public func validate() throws(RunnerError) {
        func fail(_ message: String) -> RunnerError { RunnerError(.usage, "torture: \(message)") }
        if readers == 0 { throw fail("--readers 0: need at least one reader (negative: a multiple of the CPUs)") }
        if readers > 4096 { throw fail("--readers \(readers) is more than 4096") }
        if readers < -64 { throw fail("--readers \(readers): at most 64 × the CPUs") }
        if fakeWriters < 0 || fakeWriters > 64 { throw fail("--fake-writers \(fakeWriters) is outside 0–64") }
        // Every time bound: finite, and small enough that its nanoseconds fit a UInt64 with
        // room to add to a clock reading (a week; 1e12 s used to trap converting).
        let week = 7 * 86_400.0
        if !(durationSeconds > 0 && durationSeconds <= week) {
            throw fail("--duration \(durationSeconds): allowed more than 0 and at most \(Int(week)) seconds")
        }
        if !(statIntervalSeconds >= 0 && statIntervalSeconds <= week) {
            throw fail("--stat-interval \(statIntervalSeconds): allowed 0 (no progress lines) to \(Int(week)) seconds")
        }
        if maxReplacements < 0 || maxReplacements > 1_000_000_000 {
            throw fail("--replacements \(maxReplacements) is outside 0 (the duration alone) to 1000000000")
        }
        if readerSleepMicros < 0 || readerSleepMicros > 1_000_000 { throw fail("--reader-sleep-us \(readerSleepMicros) is outside 0–1000000") }
        if readerSleepEvery < 1 { throw fail("reader sleep frequency \(readerSleepEvery) must be at least 1") }
        if deferModulus < 0 { throw fail("--defer-modulus \(deferModulus) must be 0 (never) or more") }
        if !(releaseThreadMilliseconds >= 0 && releaseThreadMilliseconds <= 60_000) {
            throw fail("--release-thread-ms \(releaseThreadMilliseconds): allowed 0–60000 ms")
        }
        if !(churnMilliseconds >= 0 && churnMilliseconds <= week * 1000) {
            throw fail("--churn-ms \(churnMilliseconds): allowed 0 (off) to \(Int(week * 1000)) ms")
        }
        if !(stutterSeconds >= 0 && stutterSeconds <= week) {
            throw fail("--stutter \(stutterSeconds): allowed 0 (off) to \(Int(week)) seconds")
        }
        if writerIntervalMicros < 0 || writerIntervalMicros > 10_000_000 { throw fail("--writer-interval-us \(writerIntervalMicros) is outside 0–10000000") }
        if pipeLength < 2 || pipeLength > 1000 { throw fail("--pipe-length \(pipeLength) is outside 2–1000") }
        if objectsPerStage < 1 || objectsPerStage > 1000 { throw fail("objects per stage \(objectsPerStage) is outside 1–1000") }
        if holdReplacements < 0 { throw fail("hold replacements \(holdReplacements) must be 0 or more") }
    }
}
