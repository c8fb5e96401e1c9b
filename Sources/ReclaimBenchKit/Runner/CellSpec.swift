import LockFreeStructures
import Reclamation

/// The experiments, by command-line id: each case is an experiment in its own folder under
/// Experiments/, and `WorkloadID.accept` (Experiments/Experiment.swift) dispatches to it.
public enum WorkloadID: String, CaseIterable, Codable, Sendable, Hashable, CustomStringConvertible {
    /// Hash map lookups with a few updates; slot-table reads beside one writer.
    case readMostly = "read-mostly"
    /// Every operation retires: the time from retire to free, memory over time.
    case reclaimLatency = "reclaim-latency"
    /// More threads than CPUs, readers sleeping inside guards; and one stalled reader.
    case overcommit

    public var description: String { rawValue }
}

/// How the slot table's writer replaces nodes.
public enum WriterMode: String, Codable, Sendable, Hashable {
    case none
    /// One update every `writerPeriodMicros`.
    case paced
    /// As fast as it can.
    case maxRate = "max-rate"
}

/// Which loop drives a cell's threads: the Swift cells (every scheme through the
/// Reclaimer protocol), or the standalone C harness (CReferenceLibraries' calibration.c:
/// the same slot-table cell written in C against the C libraries directly), which the
/// C libraries' Swift-cell numbers are calibrated against.
public enum HarnessLanguage: String, CaseIterable, Codable, Sendable, Hashable, CustomStringConvertible {
    case swift
    case c

    public var description: String { rawValue }

    /// Schemes the C harness runs: the baseline and the C libraries.
    public static let cSchemes: [SchemeID] = [.none, .ckEpoch, .ckHp, .urcuQsbr, .urcuMemb]

    /// Why `scheme` on `structure` under `workload` cannot run in this harness, or nil.
    public func unsupportedReason(_ scheme: SchemeID, _ structure: StructureID, _ workload: WorkloadID) -> String? {
        guard self == .c else { return nil }
        if !Self.cSchemes.contains(scheme) { return "the C harness runs only none and the C libraries" }
        if structure != .slotTable || workload != .readMostly { return "the C harness runs only the read-mostly slot-table cell" }
        return nil
    }
}

/// One cell of the matrix: what one child process runs, and one row of runs.csv.
public struct CellSpec: Codable, Sendable, Hashable {
    /// Position in the plan (the row order of a complete run).
    public var index: Int
    /// Cells that differ only by scheme share a group: a ratio to `none` compares within it.
    public var group: Int
    public var repetition: Int
    public var scheme: SchemeID
    public var structure: StructureID
    public var workload: WorkloadID
    /// Worker threads (readers and updaters; the slot table's writer is extra).
    public var threads: Int
    /// Hash map: percent of operations that are lookups; the rest split insert/remove.
    public var readPercent: Int
    /// Hash map: keys 0..<keyRange, prefilled to half.
    public var keyRange: Int
    /// Slot table: the writer.
    public var writer: WriterMode
    public var writerPeriodMicros: Int
    /// Overcommit: threads = factor × CPUs (0 elsewhere).
    public var overcommitFactor: Int
    /// Overcommit: each reader sleeps `sleepMicros` inside a guard every `sleepEvery` reads.
    public var sleepEvery: Int
    public var sleepMicros: Int
    /// Overcommit: one more reader sleeps inside a guard for the whole window.
    public var stalledReader: Bool
    /// False for the cells that measure the sampler's own effect.
    public var sampler: Bool
    public var durationSeconds: Double
    public var warmupSeconds: Double
    public var seed: UInt64
    /// The cell aborts cleanly when jemalloc's allocated bytes pass this.
    public var memoryCapBytes: Int
    /// The loop that drives the cell.
    public var harness: HarnessLanguage = .swift
    /// Read-mostly slot table: dependent mixing rounds on each read's value after its
    /// guard (`rl_read_work`, ~1.3 ns a round), in both harnesses; 0 elsewhere.
    public var readWork: Int = 0
    /// The configuration's knobs this cell sets away from their defaults (a sweep's cells;
    /// empty everywhere else).
    public var knobs: [ReclaimerConfiguration.Knob: Int] = [:]

    /// The scheme's configuration: the defaults with this cell's knobs.
    public var configuration: ReclaimerConfiguration {
        var configuration = ReclaimerConfiguration()
        for (knob, value) in knobs { configuration[knob] = value }
        return configuration
    }

    /// `bag_capacity=256;…` (sorted), or "" for a cell at the defaults: the `knobs` column.
    public var knobsText: String {
        knobs.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ";")
    }

    /// Human label for progress lines.
    public var label: String {
        var parts = ["\(workload)", "\(scheme)", "\(structure)", "threads \(threads)"]
        if structure.descriptor.shape == .keyed && workload == .readMostly { parts.append("\(readPercent)% reads") }
        if writer != .none { parts.append("writer \(writer.rawValue)") }
        if overcommitFactor > 0 { parts.append("\(overcommitFactor)× CPUs") }
        if stalledReader { parts.append("stalled reader") }
        if !sampler { parts.append("sampler off") }
        if readWork > 0 { parts.append("read work \(readWork)") }
        if !knobs.isEmpty { parts.append(knobsText) }
        if harness == .c { parts.append("C harness") }
        parts.append("rep \(repetition)")
        return parts.joined(separator: ", ")
    }
}

/// What a cell measured.
public struct CellResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case ok
        /// The cell passed its memory cap and stopped early; its figures cover what ran.
        case memoryCap = "memory-cap"
        case failed
    }

    public var status: Status = .ok
    public var note: String = ""
    /// The scheme's own counters at the end of the window, `name=value` separated by
    /// spaces (hp-percpu: fast-path hits, backup uses, CAS failures, demotions,
    /// synchronize calls and latency).
    public var schemeCounters: String = ""
    public var elapsedSeconds: Double = 0
    public var operations: Int = 0
    public var reads: Int = 0
    public var updates: Int = 0
    /// Slot table / overcommit: the writer's achieved update rate.
    public var writerUpdatesPerSecond: Double = 0
    /// Slot table / overcommit: CPU time the writer thread used in the window.
    public var writerCPUSeconds: Double = 0
    /// Sampled per-operation latency (ns); 0 when not measured.
    public var latencyP50: Double = 0
    public var latencyP99: Double = 0
    public var latencyP999: Double = 0
    /// Retire → free (ns), reclaim-latency cells only.
    public var retireFreeP50: Double = 0
    public var retireFreeP99: Double = 0
    public var retireFreeP999: Double = 0
    public var retireFreeMax: Double = 0
    public var retireFreeSamples: Int = 0
    /// Values at `ResultsSchema.latencyQuantiles` (latency.csv): sampled per-operation
    /// latency and, in reclaim-latency cells, retire → free. Empty when not measured.
    public var latencyQuantiles: [Double] = []
    public var retireFreeQuantiles: [Double] = []
    public var unreclaimedPeak: UInt64 = 0
    public var unreclaimedAverage: Double = 0
    public var allocatedPeakBytes: Int = 0
    public var allocatedAverageBytes: Double = 0
    public var residentPeakBytes: Int = 0
    /// One jemalloc reading as the window closes, taken with or without the sampler (so
    /// that the sampler's effect on memory can be compared).
    public var allocatedEndBytes: Int = 0
    public var cpuUserSeconds: Double = 0
    public var cpuSystemSeconds: Double = 0
    public var voluntarySwitches: Int = 0
    public var involuntarySwitches: Int = 0
    public var runnableAverage: Double = 0
    public var stealMilliseconds: Double = 0
    /// Overcommit: mean achieved length of a requested sleep (µs).
    public var achievedSleepMicros: Double = 0
    /// Pending nodes when the window closed and the workers had left, and how long
    /// `drain()` then took.
    public var backlogEnd: UInt64 = 0
    public var drainMilliseconds: Double = 0
    /// Least-squares slope of allocated bytes over the second half of the window.
    public var memorySlopeBytesPerSecond: Double = 0
    /// bounded / leaking (reclaim-latency and overcommit), or n/a.
    public var memoryVerdict: String = "n/a"
    public var series: [SeriesPoint] = []

    public init() {}

    public var operationsPerSecond: Double { elapsedSeconds > 0 ? Double(operations) / elapsedSeconds : 0 }
    public var operationsPerCPUSecond: Double {
        let cpu = cpuUserSeconds + cpuSystemSeconds
        return cpu > 0 ? Double(operations) / cpu : 0
    }
}

/// One sample of the sampler: pending nodes every 1 ms, memory every 10 ms (carried
/// forward between memory samples).
public struct SeriesPoint: Codable, Sendable, Equatable {
    public var milliseconds: Double
    public var unreclaimed: UInt64
    public var allocatedBytes: Int
    public var residentBytes: Int

    public init(milliseconds: Double, unreclaimed: UInt64, allocatedBytes: Int, residentBytes: Int) {
        self.milliseconds = milliseconds
        self.unreclaimed = unreclaimed
        self.allocatedBytes = allocatedBytes
        self.residentBytes = residentBytes
    }
}
