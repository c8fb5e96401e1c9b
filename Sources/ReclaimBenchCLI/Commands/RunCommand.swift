import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the matrix (default: the quick preset) → results/<run-id>/: runs.csv, series.csv, latency.csv, manifest.json, charts/, report.html.",
            discussion: "Every cell runs in its own process. Ctrl-C abandons the cell in flight and keeps every finished one.")

        @Option(help: "quick (default; every scheme × every experiment in minutes), full (the reference run) or calibration (each Swift scheme beside its C library; the C libraries in the Swift cells and in the standalone C harness).")
        var preset: String = "quick"
        /// Default: every scheme; calibration: none and the four Swift/C pairs.
        @OptionGroup var schemes: SchemeSelection
        @Option(help: "Comma-separated cell loops: swift (every scheme through the protocol), c (the standalone C harness: read-mostly slot table, none and the C libraries). Default: swift; calibration: both.")
        var harness: String?
        @Option(help: "Comma-separated structure ids (default: every registered structure; `list` shows them).")
        var structures: String?
        @Option(help: "Comma-separated workload ids (default: every experiment; an unknown id is refused with the list of them).")
        var workloads: String?
        /// Comma-separated, for read-mostly and reclaim-latency (1–1024).
        @OptionGroup var threads: ThreadsOption
        /// Comma-separated, for the read-mostly keyed cells.
        @OptionGroup var readPercent: ReadPercentOption
        @OptionGroup var keyRange: KeyRangeOption
        @Option(name: .customLong("read-work"), help: "Comma-separated rounds of work on each read's value after its guard, in the read-mostly slot-table cells of both harnesses (0–1000; a round is a dependent xor-shift and multiply, ~1.3 ns here). Default 0; calibration: 0, and 4 beside the paced-writer cells.")
        var readWork: String?
        @Option(name: .customLong("bag-capacity"), help: "Sweep: comma-separated nodes per bag (1–65536; default 64). Each value but the default runs every cell again for the schemes that read it (ebr, qsbr, rcu, ck-epoch), with none beside them.")
        var bagCapacity: String?
        @Option(name: .customLong("retire-scan-threshold"), help: "Sweep: comma-separated retires between scans (1–1000000; default 1000), for the hazard-pointer schemes (hp, hp-asym, hp-percpu, ck-hp).")
        var retireScanThreshold: String?
        @Option(name: .customLong("qs-interval"), help: "Sweep: comma-separated quiescent-state intervals, operations per announcement (1–1000000; default 1), for qsbr and urcu-qsbr.")
        var qsInterval: String?
        @OptionGroup var gpInterval: GracePeriodIntervalOption
        /// Measured window per cell (default: quick 0.5, full 1).
        @OptionGroup var duration: DurationOption
        @OptionGroup var repetitions: RepetitionsOption
        /// Of the scheme order and every cell's random choices.
        @OptionGroup var seed: SeedOption
        @OptionGroup var outOption: OutOption
        var out: String? { outOption.out }
        @Option(help: "Run shard i of n (whole groups of cells, so the none cells a ratio needs stay together).")
        var shard: String?
        @Option(name: .customLong("memory-cap"), help: "MiB of jemalloc-allocated memory at which a cell stops (default 4096).")
        var memoryCap: Int = 4096
        @OptionGroup var quietFlag: QuietFlag
        var quiet: Bool { quietFlag.quiet }

        func run() throws {
            var arguments = RunArguments()
            arguments.preset = preset
            arguments.schemes = schemes.schemes
            arguments.structures = structures
            arguments.workloads = workloads
            arguments.threads = threads.threads
            arguments.readPercent = readPercent.readPercent
            arguments.keyRange = keyRange.keyRange
            arguments.duration = duration.duration
            arguments.repetitions = repetitions.repetitions
            arguments.seed = seed.seed
            arguments.out = out
            arguments.shard = shard
            arguments.memoryCapMegabytes = memoryCap
            arguments.harness = harness
            arguments.readWork = readWork
            arguments.knobs[.bagCapacity] = bagCapacity
            arguments.knobs[.retireScanThreshold] = retireScanThreshold
            arguments.knobs[.quiescentStateInterval] = qsInterval
            arguments.knobs[.gracePeriodInterval] = gpInterval.gpInterval
            let options: RunOptions
            do { options = try RunOptions(arguments) } catch { throw fail(error) }
            rs_install_interrupt_handlers()
            let coordinator = RunCoordinator(
                options: options, command: CommandLine.arguments, out: out,
                executor: ChildProcessExecutor(executable: ChildProcessExecutor.currentExecutable()),
                interrupted: { rs_interrupted() != 0 },
                progress: { line in if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } })
            let summary: RunSummary
            do { summary = try coordinator.run() } catch { throw fail(error) }
            print(summary.folder.path)
            if summary.interrupted { throw ExitCode(130) }
            if let error = summary.reportError { throw ExitCode(error.code.rawValue) }
        }
    }
}
