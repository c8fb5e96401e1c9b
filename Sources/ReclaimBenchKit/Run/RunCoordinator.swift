import CReclaimSupport
import Foundation
import Reclamation

/// Runs a cell somewhere: in a child process (the CLI), or in this process (tests).
public protocol CellExecutor {
    /// The cell's result; throws `CellInterrupted` when the run was interrupted meanwhile.
    func execute(_ spec: CellSpec) throws -> CellResult
}

/// The run was interrupted while this cell ran: its result is abandoned.
public struct CellInterrupted: Error {
    public init() {}
}

/// Runs a cell in this process. For tests and for the child side of the runner.
public struct InProcessExecutor: CellExecutor {
    public init() {}
    public func execute(_ spec: CellSpec) throws -> CellResult { CellExecution.run(spec) }
}

/// What `run` did.
public struct RunSummary: Sendable {
    public var folder: URL
    public var completed: Int
    public var planned: Int
    public var interrupted: Bool
    /// Why the charts and report.html could not be drawn (the CSV files are whole either way).
    public var reportError: RunnerError?
}

/// The runner: plans the matrix, creates the results folder, runs every cell through an
/// executor, writes each finished cell at once, reports progress, and stops cleanly when
/// interrupted (the cell in flight is abandoned; every finished one is kept).
public struct RunCoordinator {
    public let options: RunOptions
    public let command: [String]
    public let out: String?
    public let executor: CellExecutor
    public let interrupted: () -> Bool
    public let progress: (String) -> Void

    public init(options: RunOptions, command: [String], out: String?, executor: CellExecutor,
                interrupted: @escaping () -> Bool = { false }, progress: @escaping (String) -> Void = { _ in }) {
        self.options = options
        self.command = command
        self.out = out
        self.executor = executor
        self.interrupted = interrupted
        self.progress = progress
    }

    /// The default folder: results/<UTC time>-<preset>[-shard-i-of-n].
    public static func defaultRunID(preset: Preset, shard: Shard?, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH-mm-ss'Z'"
        let shardPart = shard.map { "-shard-\($0.index)-of-\($0.count)" } ?? ""
        return "\(formatter.string(from: date))-\(preset.rawValue)\(shardPart)"
    }

    public func run() throws(RunnerError) -> RunSummary {
        let plan = try Matrix.plan(options)  // every bad input fails here, before anything is written
        let runID = out.map { URL(fileURLWithPath: $0).lastPathComponent }
            ?? Self.defaultRunID(preset: options.preset, shard: options.shard)
        let folder = try ResultsFolder(creating: out ?? "results/\(runID)")
        var manifest = Self.manifest(runID: runID, options: options, command: command, plan: plan)
        try folder.writeManifest(manifest)
        let started = Date()
        var completed = 0
        var interruption: String?
        for (position, spec) in plan.cells.enumerated() {
            if interrupted() { interruption = "interrupted before cell \(position + 1) of \(plan.cells.count)"; break }
            progress(progressLine(position: position, of: plan.cells.count, spec: spec, started: started))
            let result: CellResult
            do { result = try executor.execute(spec) } catch {
                interruption = "interrupted during cell \(position + 1) of \(plan.cells.count) (abandoned)"
                break
            }
            if interrupted() {
                interruption = "interrupted during cell \(position + 1) of \(plan.cells.count) (abandoned)"
                break
            }
            try folder.append(row: ResultsSchema.runRow(runID: runID, preset: options.preset, spec: spec, result: result),
                              seriesRows: ResultsSchema.seriesRows(runID: runID, spec: spec, result: result),
                              latencyRows: ResultsSchema.latencyRows(runID: runID, spec: spec, result: result))
            completed += 1
            manifest.cellsCompleted = completed
        }
        manifest.status = interruption == nil ? "complete" : "interrupted"
        manifest.interruption = interruption
        manifest.finished = ISO8601DateFormatter().string(from: Date())
        try folder.writeManifest(manifest)
        progress(interruption.map { "\($0); kept \(completed) finished cell(s) in \(folder.url.path)" }
            ?? "done: \(completed) cell(s) in \(folder.url.path)")
        var summary = RunSummary(folder: folder.url, completed: completed, planned: plan.cells.count, interrupted: interruption != nil)
        // Charts and the report, from the files just written (an interrupted run charts what
        // it finished).
        do {
            let report = try ReportPage.write(try ResultSet(folder: folder.url.path), to: folder.url)
            progress("report: \(report.path)")
        } catch {
            summary.reportError = error
            progress("charts and report not written: \(error.message)")
        }
        return summary
    }

    func progressLine(position: Int, of total: Int, spec: CellSpec, started: Date) -> String {
        var line = "cell \(position + 1)/\(total) [\(options.preset.rawValue)] \(spec.label)"
        if position > 0 {
            let perCell = Date().timeIntervalSince(started) / Double(position)
            let remaining = Int(perCell * Double(total - position))
            line += " — ETA \(remaining / 60)m\(String(format: "%02d", remaining % 60))s"
        }
        return line
    }

    static func manifest(runID: String, options: RunOptions, command: [String], plan: RunPlan) -> Manifest {
        let git = Environment.gitCommit()
        return Manifest(
            runID: runID, status: "running", preset: options.preset,
            label: options.preset.label,
            command: command, options: options, gitCommit: git.commit, gitDirty: git.dirty,
            swiftVersion: Environment.swiftVersion(), build: Environment.build, cpuModel: Environment.cpuModel(),
            cpusOnline: Matrix.onlineCPUs, cpusConfigured: Int(rs_configured_cpus()), kernel: Environment.kernel(),
            allocator: Environment.allocator(), mallocConf: Environment.cellMallocConf,
            nodeBytes: Environment.nodeBytes(),
            schemeParameters: Dictionary(uniqueKeysWithValues: ReclaimerConfiguration().parameters),
            schemes: Environment.schemes(), samplerPendingPeriodMilliseconds: 1, samplerMemoryPeriodMilliseconds: 10,
            seriesStride: ResultsSchema.seriesStride, cellsPlanned: plan.cells.count, cellsCompleted: 0,
            cellsInUnshardedPlan: plan.unshardedCount, shard: options.shard, skipped: plan.skipped,
            started: ISO8601DateFormatter().string(from: Date()), finished: nil, interruption: nil,
            libraries: Environment.libraries())
    }
}
