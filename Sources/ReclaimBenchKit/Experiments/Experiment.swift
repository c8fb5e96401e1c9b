import Foundation
import LockFreeStructures
import Reclamation

/// One experiment (a workload): its id, its cells in the quick and full presets, its cell
/// body on each shape of structure, generic over scheme and structure, the runs.csv
/// columns it fills, and its charts. Each lives in a folder of its own under
/// Experiments/; `WorkloadID` names it and `WorkloadID.accept` dispatches to it.
///
/// Adding one: a folder with a caseless enum conforming here, a `WorkloadID` case, and
/// its line in `accept` — which the compiler demands once the case exists, as it demands
/// all three shape bodies (a shape it does not run returns `CellBodies.unsupported`).
/// The bodies are `@inlinable`: a scheme or structure from outside the package gets them
/// compiled, specialized, in its own module (`BenchScheme`).
@usableFromInline
protocol Experiment {
    static var id: WorkloadID { get }
    /// Its cells in the quick and full presets, in plan order (a group per shape).
    static func presetShapes(_ preset: PresetContext) -> [CellShape]
    static func keyed<R: Reclaimer, S: KeyedStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult
    static func pool<R: Reclaimer, S: PoolStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult
    static func slots<R: Reclaimer, S: SlotStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult
    /// The runs.csv columns its cells fill that other experiments' cells may leave at their
    /// unmeasured value (a test checks each is a runs.csv column).
    static var columns: [String] { get }
    /// Its charts, from a results folder's rows (none when the folder has no such rows).
    static func charts(_ results: ResultSet) -> [ChartFigure]
}

/// A generic function over an experiment, called by `WorkloadID.accept`.
@usableFromInline
protocol ExperimentVisitor {
    associatedtype Output
    func visit<E: Experiment>(_ experiment: E.Type) -> Output
}

extension WorkloadID {
    /// The registry of experiments: one line each, and no default (a new `WorkloadID` case
    /// without its line does not compile).
    @inlinable
    func accept<Visitor: ExperimentVisitor>(_ visitor: Visitor) -> Visitor.Output {
        switch self {
        case .readMostly: visitor.visit(ReadMostly.self)
        case .reclaimLatency: visitor.visit(ReclaimLatency.self)
        case .overcommit: visitor.visit(Overcommit.self)
        }
    }

    /// The id the experiment `accept` dispatches to gives itself (a test checks it is this
    /// case for every case).
    public var experimentID: WorkloadID {
        struct Ask: ExperimentVisitor { func visit<E: Experiment>(_ experiment: E.Type) -> WorkloadID { E.id } }
        return accept(Ask())
    }

    /// The runs.csv columns this experiment fills beyond the common ones.
    public var columns: [String] {
        struct Ask: ExperimentVisitor { func visit<E: Experiment>(_ experiment: E.Type) -> [String] { E.columns } }
        return accept(Ask())
    }
}

/// What an experiment's preset cells are drawn from: the run's options, whether the
/// preset is full, and the registered structures of each shape.
@usableFromInline
struct PresetContext {
    let options: RunOptions
    var full: Bool { options.preset == .full }
    var keyRange: Int { options.keyRange ?? 16_384 }
    var onlineCPUs: Int { Matrix.onlineCPUs }

    /// The registered structures of one shape, in registration order: each gets every
    /// experiment's cells for its shape.
    func structures(_ shape: StructureShape) -> [StructureID] {
        StructureID.allCases.filter { $0.descriptor.shape == shape }
    }
}

extension ChartCatalog {
    /// Every chart a results folder supports: each experiment's, in `WorkloadID` order, then
    /// those across experiments (Swift vs C, calibration, knob sweeps).
    public static func figures(_ results: ResultSet) -> [ChartFigure] {
        struct Charts: ExperimentVisitor {
            let results: ResultSet
            func visit<E: Experiment>(_ experiment: E.Type) -> [ChartFigure] { E.charts(results) }
        }
        let experiments = WorkloadID.allCases.flatMap { $0.accept(Charts(results: results)) }
        return experiments + swiftVersusC(results) + calibration(results) + knobSweeps(results)
    }

    /// Writes every chart as `charts/<file>` under `folder` (each through a temporary file
    /// and a rename), and returns the figures.
    @discardableResult
    public static func write(_ results: ResultSet, to folder: URL) throws(RunnerError) -> [ChartFigure] {
        let charts = folder.appendingPathComponent("charts")
        do { try FileManager.default.createDirectory(at: charts, withIntermediateDirectories: true) } catch {
            throw RunnerError(.cannotCreate, "cannot create \(charts.path): \(error.localizedDescription)")
        }
        let figures = figures(results)
        for figure in figures {
            try ResultsFolder.replace(charts.appendingPathComponent(figure.file), with: Data(figure.chart.document().utf8))
        }
        return figures
    }
}
