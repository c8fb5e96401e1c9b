import LockFreeStructures
import Reclamation

/// `--preset`: the embedded matrices.
public enum Preset: String, CaseIterable, Codable, Sendable {
    /// Every scheme × the three workloads in a few minutes on two cores; labelled quick.
    case quick
    /// The committed reference run: ≥ 5 repetitions, more threads, read ratios and writers.
    case full
    /// Each Swift scheme beside its C library, and each C library in the Swift cells and in
    /// the standalone C harness (10 repetitions): `summarize` gives the ratios.
    case calibration

    /// The manifest's label.
    var label: String {
        switch self {
        case .quick: "quick — a short run, not a reference"
        case .full: "full — reference run"
        case .calibration: "calibration — Swift schemes beside their C libraries, C libraries in both harnesses"
        }
    }

    /// Schemes a preset runs when `--schemes` is not given.
    public var defaultSchemes: [SchemeID] {
        switch self {
        case .quick, .full: SchemeID.allCases
        case .calibration: [.none] + SchemeID.cLibraryPeers.sorted { $0.key.rawValue < $1.key.rawValue }.flatMap { [$0.key, $0.value] }
        }
    }
}

/// `--shard i/n`: this machine runs group indices ≡ i − 1 (mod n).
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int
    public var description: String { "\(index)/\(count)" }

    public static func parse(_ text: String) throws(RunnerError) -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index)
        else { throw RunnerError(.usage, "--shard \(text): expected i/n with 1 ≤ i ≤ n (for example 1/2)") }
        return Shard(index: index, count: count)
    }
}

/// The flags of `reclaim-bench run`, as typed (nil: the preset decides).
public struct RunArguments: Sendable, Equatable {
    public var preset: String = "quick"
    public var schemes: String?
    public var structures: String?
    public var workloads: String?
    public var threads: String?
    public var readPercent: String?
    public var keyRange: Int?
    public var duration: Double?
    public var repetitions: Int?
    public var seed: UInt64 = 1
    public var out: String?
    public var shard: String?
    public var memoryCapMegabytes: Int = 4096
    public var harness: String?
    public var readWork: String?
    /// `--bag-capacity`, `--retire-scan-threshold`, `--qs-interval`, `--gp-interval`: comma-separated values.
    public var knobs: [ReclaimerConfiguration.Knob: String] = [:]
    public init() {}
}

/// Validated options: everything a plan needs, recorded in the manifest.
public struct RunOptions: Codable, Sendable, Equatable {
    public var preset: Preset
    public var schemes: [SchemeID]
    public var structures: [StructureID]
    public var workloads: [WorkloadID]
    public var threads: [Int]?
    public var readPercents: [Int]?
    public var keyRange: Int?
    public var durationSeconds: Double?
    public var repetitions: Int?
    public var seed: UInt64
    public var shard: Shard?
    public var memoryCapBytes: Int
    /// `--harness`: nil lets the preset decide (Swift only, both for calibration).
    public var harnesses: [HarnessLanguage]?
    /// `--read-work`: rounds of work per read in the read-mostly slot-table cells (nil lets
    /// the preset decide: 0, and calibration adds 4 beside its paced-writer cells).
    public var readWork: [Int]?
    /// Knob sweeps: each listed value of a knob (other than its default) adds every cell
    /// again for the schemes that read the knob, with `none` beside them; one knob at a
    /// time, the others at their defaults.
    public var knobs: [ReclaimerConfiguration.Knob: [Int]] = [:]

    /// Checks every flag; the first bad value throws a one-line error (exit 64).
    public init(_ arguments: RunArguments) throws(RunnerError) {
        guard let preset = Preset(rawValue: arguments.preset) else {
            throw RunnerError(.usage, "--preset \(arguments.preset): allowed \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.preset = preset
        schemes = try Self.list("--schemes", arguments.schemes, all: SchemeID.allCases) { SchemeID(rawValue: $0) }
        if arguments.schemes == nil { schemes = preset.defaultSchemes }
        structures = try Self.list("--structures", arguments.structures, all: StructureID.allCases) { StructureID(rawValue: $0) }
        // Without --structures: the structures the presets run (a building block such as the
        // Harris–Michael list runs when named).
        if arguments.structures == nil { structures = StructureID.allCases.filter { $0.descriptor.inPresets } }
        workloads = try Self.list("--workloads", arguments.workloads, all: WorkloadID.allCases) { WorkloadID(rawValue: $0) }
        threads = try arguments.threads.map { text throws(RunnerError) in
            try Self.integers("--threads", text, allowed: 1...1024, what: "thread counts")
        }
        readPercents = try arguments.readPercent.map { text throws(RunnerError) in
            try Self.integers("--read-percent", text, allowed: 0...100, what: "percentages")
        }
        if let keyRange = arguments.keyRange, !(2...(1 << 26)).contains(keyRange) {
            throw RunnerError(.usage, "--key-range \(keyRange): allowed 2–67108864")
        }
        keyRange = arguments.keyRange
        if let duration = arguments.duration, !(duration > 0 && duration <= 3600) {
            throw RunnerError(.usage, "--duration \(duration): allowed more than 0 and at most 3600 seconds")
        }
        durationSeconds = arguments.duration
        if let repetitions = arguments.repetitions, !(1...1000).contains(repetitions) {
            throw RunnerError(.usage, "--repetitions \(repetitions): allowed 1–1000")
        }
        repetitions = arguments.repetitions
        seed = arguments.seed
        shard = try arguments.shard.map { text throws(RunnerError) in try Shard.parse(text) }
        guard (64...(1 << 20)).contains(arguments.memoryCapMegabytes) else {
            throw RunnerError(.usage, "--memory-cap \(arguments.memoryCapMegabytes): allowed 64–1048576 MiB")
        }
        memoryCapBytes = arguments.memoryCapMegabytes << 20
        harnesses = try arguments.harness.map { text throws(RunnerError) in
            try Self.list("--harness", text, all: HarnessLanguage.allCases) { HarnessLanguage(rawValue: $0) }
        }
        readWork = try arguments.readWork.map { text throws(RunnerError) in
            try Self.integers("--read-work", text, allowed: 0...1000, what: "rounds")
        }
        for knob in ReclaimerConfiguration.Knob.allCases {
            guard let text = arguments.knobs[knob] else { continue }
            knobs[knob] = try Self.integers(Self.flag(knob), text, allowed: knob.allowed, what: "values")
        }
    }

    /// The command-line flag that sweeps `knob`.
    public static func flag(_ knob: ReclaimerConfiguration.Knob) -> String {
        switch knob {
        case .bagCapacity: "--bag-capacity"
        case .retireScanThreshold: "--retire-scan-threshold"
        case .quiescentStateInterval: "--qs-interval"
        case .gracePeriodInterval: "--gp-interval"
        }
    }

    static func list<T>(_ flag: String, _ text: String?, all: [T], parse: (String) -> T?) throws(RunnerError) -> [T] {
        guard let text else { return all }
        var values: [T] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = parse(String(item)) else {
                let allowed = all.map { "\($0)" }.joined(separator: ", ")
                throw RunnerError(.usage, "\(flag): unknown value '\(item)'; allowed: \(allowed)")
            }
            values.append(value)
        }
        return values
    }

    static func integers(_ flag: String, _ text: String, allowed: ClosedRange<Int>, what: String) throws(RunnerError) -> [Int] {
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Int(item), allowed.contains(value) else {
                throw RunnerError(.usage, "\(flag) \(text): '\(item)' is not allowed; \(what) \(allowed.lowerBound)–\(allowed.upperBound), comma-separated")
            }
            values.append(value)
        }
        return values
    }
}
