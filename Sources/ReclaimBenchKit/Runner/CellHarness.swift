import CReclaimSupport
import Histogram
import LockFreeStructures
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What every cell shares: the domain, the phases (warm-up, measured window, stop), the
/// barrier start, the sampler, the kernel's counters at the window's edges, the drain, and
/// the per-operation latency histogram merged from the threads.
@usableFromInline
final class CellHarness<R: Reclaimer>: @unchecked Sendable {
    // SAFETY: shared mutable state is atomics and `tallies` under its lock.
    @usableFromInline typealias Phase = CellHarnessPhase

    @usableFromInline let spec: CellSpec
    @usableFromInline let domain: R
    /// SAFETY: allocated here, freed in deinit, after every worker joined.
    @usableFromInline let phaseWord = CellLoops.PhaseWord(word: {
        let word = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
        word.initialize(to: Atomic(CellHarnessPhase.waiting.rawValue))
        return word
    }())
    @usableFromInline let ready = Atomic<Int>(0)
    let cappedByMemory = Atomic<Bool>(false)
    private let tallies = Locked<Tally>(Tally())

    /// Operation counts and sampled latencies of one thread, measured window only.
    @usableFromInline
    struct Tally {
        @usableFromInline var operations = 0, reads = 0, updates = 0
        @usableFromInline var sleeps = 0, sleptNanoseconds: UInt64 = 0
        @usableFromInline var writerCPUNanoseconds: UInt64 = 0
        @usableFromInline var latency = CellHarness.latencyHistogram()

        @usableFromInline init() {}

        /// A worker's loop counts and latency samples.
        @usableFromInline
        init(_ counts: CellLoops.Counts, latency: Histogram<UInt64>) {
            reads = counts.reads
            updates = counts.updates
            operations = counts.reads + counts.updates
            sleeps = counts.sleeps
            sleptNanoseconds = counts.sleptNanoseconds
            self.latency = latency
        }

        mutating func add(_ other: Tally) {
            operations += other.operations
            reads += other.reads
            updates += other.updates
            sleeps += other.sleeps
            sleptNanoseconds += other.sleptNanoseconds
            writerCPUNanoseconds += other.writerCPUNanoseconds
            latency.add(other.latency)
        }
    }

    @usableFromInline
    init(spec: CellSpec) throws {
        self.spec = spec
        domain = try R(configuration: spec.configuration)
    }

    deinit {
        phaseWord.word.deinitialize(count: 1)
        phaseWord.word.deallocate()
    }

    @usableFromInline
    static func latencyHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// The phase workers check every batch (relaxed: a flag; a batch's worth of skew at
    /// the window's edges is noise).
    @inlinable
    var currentPhase: Phase { phaseWord.current }

    private func setPhase(_ phase: Phase) {
        // ORDERING: release; workers read the phase relaxed (a flag), and what they count
        // is handed over by `add(_:)`'s lock and the join.
        phaseWord.word.pointee.store(phase.rawValue, ordering: .releasing)
    }

    /// A worker's start: announces it is registered, then waits for the warm-up.
    @usableFromInline
    func arrive() {
        ready.add(1, ordering: .releasing)
        while currentPhase == .waiting { sched_yield() }
    }

    @usableFromInline
    func add(_ tally: Tally) { tallies.withLock { $0.add(tally) } }

    /// Starts `workers` threads (each bumps `ready` once registered, then waits for the
    /// warm-up), runs warm-up then the window, stops, joins; `window` hears when the window
    /// opens (end nil) and closes.
    @usableFromInline
    func run(workers: [@Sendable () -> Void], sampler samplerEnabled: Bool,
             window: ((_ start: UInt64, _ end: UInt64?) -> Void)? = nil) -> (CellResult, Tally) {
        let threads = workers.map { JoinableThread($0) }
        while ready.load(ordering: .acquiring) < workers.count { sched_yield() }
        setPhase(.warmup)
        Self.sleep(seconds: spec.warmupSeconds)
        let domain = self.domain
        let sampler = Sampler(pending: { domain.statistics.pending }, capBytes: spec.memoryCapBytes,
                              enabled: samplerEnabled) { [self] in
            cappedByMemory.store(true, ordering: .relaxed)
            setPhase(.stopped)
        }
        let before = ProcessMetrics.now()
        let start = Sampler.nowNanoseconds()
        window?(start, nil)
        setPhase(.measuring)
        sleepWindow()
        setPhase(.stopped)
        let end = Sampler.nowNanoseconds()
        let allocatedAtEnd = AllocatorStatistics.snapshot()?.allocated ?? 0
        window?(start, end)
        let elapsed = Double(end - start) / 1e9
        let after = ProcessMetrics.now()
        sampler.stop()
        for thread in threads { thread.join() }
        var result = CellResult()
        result.elapsedSeconds = elapsed
        result.allocatedEndBytes = allocatedAtEnd
        result.record(after - before)
        result.series = sampler.points
        result.runnableAverage = sampler.runnableSamples.isEmpty ? 0
            : Double(sampler.runnableSamples.reduce(0, +)) / Double(sampler.runnableSamples.count)
        if cappedByMemory.load(ordering: .relaxed) {
            result.status = .memoryCap
            result.note = "stopped at the memory cap (\(spec.memoryCapBytes >> 20) MiB allocated)"
        }
        let tally = tallies.withLock { $0 }
        result.operations = tally.operations
        result.reads = tally.reads
        result.updates = tally.updates
        if tally.latency.totalCount > 0 {
            result.latencyP50 = Double(tally.latency.valueAtPercentile(50))
            result.latencyP99 = Double(tally.latency.valueAtPercentile(99))
            result.latencyP999 = Double(tally.latency.valueAtPercentile(99.9))
            result.latencyQuantiles = ResultsSchema.latencyQuantiles.map { fraction in
                fraction >= 1 ? Double(tally.latency.max) : Double(tally.latency.valueAtPercentile(fraction * 100))
            }
        }
        if tally.sleeps > 0 { result.achievedSleepMicros = Double(tally.sleptNanoseconds) / Double(tally.sleeps) / 1000 }
        summarizeMemory(&result)
        return (result, tally)
    }

    /// Sleeps through the window, waking early if the memory cap stops the cell.
    private func sleepWindow() {
        let end = Sampler.nowNanoseconds() + UInt64(spec.durationSeconds * 1e9)
        while currentPhase == .measuring {
            let now = Sampler.nowNanoseconds()
            if now >= end { break }
            Self.sleep(seconds: min(0.01, Double(end - now) / 1e9))
        }
    }

    /// Backlog after the workers left, then the time `drain()` takes.
    @usableFromInline
    func measureDrain(_ result: inout CellResult) {
        let statistics = domain.statistics
        result.backlogEnd = statistics.pending
        result.schemeCounters = statistics.counters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        let start = Sampler.nowNanoseconds()
        domain.drain()
        result.drainMilliseconds = Double(Sampler.nowNanoseconds() - start) / 1e6
    }

    func summarizeMemory(_ result: inout CellResult) {
        let points = result.series
        guard !points.isEmpty else { return }
        result.unreclaimedPeak = points.map(\.unreclaimed).max() ?? 0
        result.unreclaimedAverage = Double(points.map(\.unreclaimed).reduce(0, +)) / Double(points.count)
        result.allocatedPeakBytes = points.map(\.allocatedBytes).max() ?? 0
        result.allocatedAverageBytes = Double(points.map(\.allocatedBytes).reduce(0, +)) / Double(points.count)
        result.residentPeakBytes = points.map(\.residentBytes).max() ?? 0
        // Growth over the second half of the window: least squares of allocated bytes.
        let half = Array(points[(points.count / 2)...]).filter { $0.allocatedBytes > 0 }
        guard half.count >= 4 else { return }
        let xs = half.map { $0.milliseconds / 1000 }, ys = half.map { Double($0.allocatedBytes) }
        let meanX = xs.reduce(0, +) / Double(xs.count), meanY = ys.reduce(0, +) / Double(ys.count)
        var covariance = 0.0, variance = 0.0
        for (x, y) in zip(xs, ys) {
            covariance += (x - meanX) * (y - meanY)
            variance += (x - meanX) * (x - meanX)
        }
        let slope = variance > 0 ? covariance / variance : 0
        result.memorySlopeBytesPerSecond = slope
        if spec.workload != .readMostly {
            let span = (xs.last ?? 0) - (xs.first ?? 0)
            // Leaking: the second half alone grows by more than 10 % of its mean and 1 MiB.
            let growth = slope * span
            result.memoryVerdict = growth > max(0.10 * meanY, 1_048_576.0) ? "leaking" : "bounded"
        }
    }

    @usableFromInline
    static func sleep(seconds: Double) { CellTiming.sleep(seconds: seconds) }
}

/// A per-thread countdown to the next operation whose latency is measured: geometric
/// intervals (mean `mean`), so that sampling never aliases with periodic work ("scan every
/// 128 retires"); the clock is read only for those operations.
@usableFromInline
struct LatencySampler {
    @usableFromInline var random: SplitMix64
    @usableFromInline var countdown: Int
    @usableFromInline let mean: Double

    @inlinable
    init(seed: UInt64, mean: Int = 1000) {
        random = SplitMix64(seed: seed ^ 0x1A7E_CC7)
        self.mean = Double(mean)
        countdown = 0
        countdown = next()
    }

    @inlinable
    mutating func next() -> Int {
        // Inverse transform: ⌈ln U / ln(1 − 1/mean)⌉.
        let uniform = Double(random.next() >> 11 | 1) / Double(1 << 53)
        return max(1, Int((log(uniform) / log(1 - 1 / mean)).rounded(.up)))
    }

    /// True when this operation is to be timed.
    @inlinable @inline(__always)
    mutating func due() -> Bool {
        countdown &-= 1
        if countdown > 0 { return false }
        countdown = next()
        return true
    }
}
