import CReclaimSupport
import LockFreeStructures
import ReclaimBenchSupport
import Reclamation

/// The cells a run executes, and the combinations it could not (listed, never skipped
/// silently).
public struct RunPlan: Sendable {
    public var cells: [CellSpec]
    /// "scheme × structure: reason", once per combination.
    public var skipped: [String]
    /// Cells in the whole plan before sharding (a shard runs a subset).
    public var unshardedCount: Int
}

/// The parameters of one group of cells (everything but the scheme and the repetition).
@usableFromInline
struct CellShape: Hashable {
    var structure: StructureID
    var workload: WorkloadID
    var threads: Int
    var readPercent = 0
    var keyRange = 0
    var writer = WriterMode.none
    var writerPeriodMicros = 0
    var overcommitFactor = 0
    var sleepEvery = 0
    var sleepMicros = 0
    var stalledReader = false
    var sampler = true
    var harness = HarnessLanguage.swift
    var readWork = 0
    /// Knobs away from their defaults (a sweep's shapes run only the schemes that read them).
    var knobs: [ReclaimerConfiguration.Knob: Int] = [:]
}

public enum Matrix {
    /// CPUs the overcommit factor multiplies (online, as the scheduler sees them).
    public static var onlineCPUs: Int { max(1, rs_online_cpus()) }

    /// Expands the preset, applies the filters and overrides, shuffles each repetition's
    /// cells by the seed, keeps the shard's groups.
    public static func plan(_ options: RunOptions) throws(RunnerError) -> RunPlan {
        if options.preset == .calibration { return try build(calibrationShapes(options), options) }
        return try build(presetShapes(options), options)
    }

    /// The calibration preset: the read-mostly slot-table cells (1 and 2 readers, a writer
    /// paced at one update per 10 µs and one at full speed) in the Swift cells and in the
    /// standalone C harness, sampler off in both (the C harness has none), and the
    /// read-mostly hash map at 99 % lookups (1 and 2 threads): every Swift scheme beside its
    /// C library, and each C library in both harnesses.
    static func calibrationShapes(_ options: RunOptions) -> [CellShape] {
        let harnesses = options.harnesses ?? HarnessLanguage.allCases
        var shapes: [CellShape] = []
        for harness in harnesses {
            for writer in [WriterMode.paced, .maxRate] {
                // Beside the lean loop, the paced-writer cells again with 4 rounds of read
                // work (`none` at 5–8 ns a read here: a loop that does something with the
                // value, at the speed of the C loop the earlier 0.94 figures came from).
                for readWork in options.readWork ?? (writer == .paced ? [0, calibrationReadWork] : [0]) {
                    for threads in options.threads ?? [1, 2] {
                        shapes.append(CellShape(structure: .slotTable, workload: .readMostly, threads: threads, writer: writer,
                                                writerPeriodMicros: writer == .paced ? 10 : 0, sampler: false,
                                                harness: harness, readWork: readWork))
                    }
                }
            }
        }
        for readPercent in options.readPercents ?? [99] {
            for threads in options.threads ?? [1, 2] {
                shapes.append(CellShape(structure: .hashMap, workload: .readMostly, threads: threads,
                                        readPercent: readPercent, keyRange: options.keyRange ?? 16_384))
            }
        }
        return shapes
    }

    /// The calibration preset's second read work (rounds of `rl_read_work`).
    public static let calibrationReadWork = 4

    /// Each experiment's preset cells, in `WorkloadID` order; then `--read-work` and
    /// `--harness`, which reshape the read-mostly slot-table cells.
    static func presetShapes(_ options: RunOptions) -> [CellShape] {
        struct Shapes: ExperimentVisitor {
            let preset: PresetContext
            func visit<E: Experiment>(_ experiment: E.Type) -> [CellShape] { E.presetShapes(preset) }
        }
        let preset = PresetContext(options: options)
        var shapes = WorkloadID.allCases.flatMap { $0.accept(Shapes(preset: preset)) }
        if let readWork = options.readWork {
            // `--read-work`: each read-mostly slot-table cell once per value.
            shapes = shapes.flatMap { shape in
                shape.structure.descriptor.shape == .slots && shape.workload == .readMostly
                    ? readWork.map { var copy = shape; copy.readWork = $0; return copy } : [shape]
            }
        }
        // `--harness c` (or swift,c): the read-mostly slot-table cells again, in the C harness.
        let harnesses = options.harnesses ?? [.swift]
        let slotCells = shapes.filter { $0.structure == .slotTable && $0.workload == .readMostly }
        shapes = (harnesses.contains(.swift) ? shapes : shapes.filter { !slotCells.contains($0) })
            + (harnesses.contains(.c) ? slotCells.map { var shape = $0; shape.harness = .c; return shape } : [])
        return shapes
    }

    /// Each shape, then again at every swept knob value other than the default (one knob at
    /// a time).
    static func sweep(_ shapes: [CellShape], _ options: RunOptions) -> [CellShape] {
        let defaults = ReclaimerConfiguration()
        var swept = shapes
        for knob in ReclaimerConfiguration.Knob.allCases {
            for value in options.knobs[knob] ?? [] where value != defaults[knob] {
                swept += shapes.map { var shape = $0; shape.knobs = [knob: value]; return shape }
            }
        }
        return swept
    }

    /// Whether `scheme` runs in a shape: not where the structure or the harness cannot run
    /// it; at the defaults every other scheme; at a swept knob value, `none` (the ratios'
    /// baseline) and the schemes that read the knob.
    static func runs(_ scheme: SchemeID, in shape: CellShape) -> Bool {
        guard reason(scheme, shape.structure) == nil,
              shape.harness.unsupportedReason(scheme, shape.structure, shape.workload) == nil else { return false }
        return scheme == .none || shape.knobs.keys.allSatisfy { scheme.descriptor.knobs.contains($0) }
    }

    static func build(_ presetShapes: [CellShape], _ options: RunOptions) throws(RunnerError) -> RunPlan {
        let full = options.preset == .full || options.preset == .calibration
        var shapes = presetShapes
        shapes = shapes.filter { options.structures.contains($0.structure) && options.workloads.contains($0.workload) }
        shapes = sweep(shapes, options).filter { shape in
            // A swept shape in which no chosen scheme reads the knob would run none alone.
            shape.knobs.isEmpty || options.schemes.contains { $0 != .none && runs($0, in: shape) }
        }
        var skipped: [String] = []
        for structure in Set(shapes.map(\.structure)).sorted(by: { $0.rawValue < $1.rawValue }) {
            for scheme in options.schemes {
                if let reason = reason(scheme, structure) { skipped.append("\(scheme) × \(structure): \(reason)") }
            }
        }
        if shapes.contains(where: { $0.harness == .c }) {
            for scheme in options.schemes where !HarnessLanguage.cSchemes.contains(scheme) {
                skipped.append("\(scheme) × C harness: \(HarnessLanguage.c.unsupportedReason(scheme, .slotTable, .readMostly)!)")
            }
        }
        let repetitions = options.repetitions ?? (options.preset == .calibration ? 10 : full ? 5 : 1)
        let duration = options.durationSeconds ?? (full ? 1.0 : 0.5)
        let warmup = min(duration / 2, full ? 0.3 : 0.2)
        var cells: [CellSpec] = []
        var random = SplitMix64(seed: options.seed)
        for repetition in 1...repetitions {
            var round: [CellSpec] = []
            for (group, shape) in shapes.enumerated() {
                for scheme in options.schemes where runs(scheme, in: shape) {
                    round.append(CellSpec(
                        index: 0, group: group, repetition: repetition, scheme: scheme, structure: shape.structure,
                        workload: shape.workload, threads: shape.threads, readPercent: shape.readPercent,
                        keyRange: shape.keyRange, writer: shape.writer, writerPeriodMicros: shape.writerPeriodMicros,
                        overcommitFactor: shape.overcommitFactor, sleepEvery: shape.sleepEvery, sleepMicros: shape.sleepMicros,
                        stalledReader: shape.stalledReader, sampler: shape.sampler, durationSeconds: duration,
                        warmupSeconds: warmup, seed: options.seed &+ UInt64(repetition) &* 1_000_003 &+ UInt64(group),
                        memoryCapBytes: options.memoryCapBytes, harness: shape.harness, readWork: shape.readWork,
                        knobs: shape.knobs))
                }
            }
            round.shuffle(using: &random)  // drift hits every scheme alike
            cells += round
        }
        for index in cells.indices { cells[index].index = index }
        let unsharded = cells.count
        if let shard = options.shard {
            // Whole groups per shard: the `none` cell a ratio needs stays with its scheme.
            cells = cells.filter { $0.group % shard.count == shard.index - 1 }
        }
        guard !cells.isEmpty else {
            throw RunnerError(.usage, "the filters leave no cell to run (schemes \(options.schemes.map(\.rawValue)), structures \(options.structures.map(\.rawValue)), workloads \(options.workloads.map(\.rawValue)))")
        }
        return RunPlan(cells: cells, skipped: skipped, unshardedCount: unsharded)
    }

    static func reason(_ scheme: SchemeID, _ structure: StructureID) -> String? {
        struct Ask: SchemeVisitor {
            let structure: StructureID
            func visit<R: Reclaimer>(_ type: R.Type) -> String? { structure.unsupportedReason(R.self) }
        }
        return scheme.accept(Ask(structure: structure))
    }
}
