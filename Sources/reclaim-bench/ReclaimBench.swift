import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

/// Prints a runner error as one line and exits with its sysexits code.
func fail(_ error: RunnerError) -> ExitCode {
    FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
    return ExitCode(error.code.rawValue)
}

@main
struct ReclaimBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclaim-bench",
        abstract: "Compare and torture safe-memory-reclamation schemes.",
        subcommands: [Run.self, Merge.self, Chart.self, PickCommand.self, TortureCommand.self, Summarize.self, List.self, Smoke.self, ReadCost.self, SyncLatency.self, RetireLatency.self,
                      MapThroughput.self, Probe.self, Cell.self],
        defaultSubcommand: nil
    )
}

/// Parses `--schemes`: comma-separated ids, each one the catalog knows; nil means all.
func parseSchemes(_ text: String?) throws -> [SchemeID] {
    guard let text else { return SchemeID.allCases }
    do {
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { try SchemeID.parse(String($0)) }
    } catch { throw ValidationError("--schemes: \(error)") }
}

// `--schemes` defaults to nil (all) rather than to a string computed from SchemeID.allCases:
// that default crashed the release binary while ArgumentParser built the command (in
// `swift_once` for a global, then in the option's initializer) — left for a reduced report.

extension ReclaimBench {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every scheme: family, reference, capabilities, bytes per node.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv }

        @Option(help: "Output format: table or csv.")
        var format: Format = .table

        func run() throws {
            let rows = SchemeTable.rows()
            print(format == .csv ? SchemeTable.csv(rows) : SchemeTable.table(rows), terminator: "")
        }
    }

    struct Smoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A short slot-array run of each scheme (a build check, not a benchmark).")

        @Option(help: "Comma-separated scheme ids (default: every scheme; `list` shows them).")
        var schemes: String?

        @Option(help: "Seconds per scheme (0.1–60).")
        var duration: Double = 1

        @Option(help: "Reader threads (1–256).")
        var readers: Int = 2

        @Option(help: "Writer threads (1–256).")
        var writers: Int = 1

        @Option(help: "Slots in the array (1–1048576).")
        var slots: Int = 1024

        func validate() throws {
            _ = try parseSchemes(schemes)
            guard (0.1...60).contains(duration) else { throw ValidationError("--duration \(duration): allowed 0.1–60 seconds") }
            guard (1...256).contains(readers) else { throw ValidationError("--readers \(readers): allowed 1–256") }
            guard (1...256).contains(writers) else { throw ValidationError("--writers \(writers): allowed 1–256") }
            guard (1...1_048_576).contains(slots) else { throw ValidationError("--slots \(slots): allowed 1–1048576") }
        }

        func run() throws {
            let ids = try parseSchemes(schemes)
            let parameters = SlotStress.Parameters(
                slots: slots, readers: readers, writers: writers, duration: .milliseconds(Int(duration * 1000)))
            FileHandle.standardError.write(Data(
                "smoke: \(ids.count) scheme(s) × \(duration) s, \(readers) reader(s), \(writers) writer(s), \(slots) slots — a build check, not a benchmark\n".utf8))
            let rows = ReclaimBenchKit.Smoke.run(schemes: ids, parameters: parameters)
            print(ReclaimBenchKit.Smoke.table(rows), terminator: "")
            if rows.contains(where: { $0.statistics.retired != $0.statistics.freed }) {
                throw ExitCode(70)  // EX_SOFTWARE: a scheme left garbage after drain
            }
        }
    }

    struct ReadCost: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read-cost",
            abstract: "Read-side cost per operation (guard + protect + read), one thread, 1024 slots (refscale-style).")

        @Option(help: "Comma-separated scheme ids (default: every scheme; `list` shows them).")
        var schemes: String?

        @Option(help: "Operations per repetition (1000–10000000000).")
        var operations: Int = 20_000_000

        @Option(help: "Repetitions (1–100); the median and the spread are reported.")
        var repetitions: Int = 7

        @Option(help: "Which slot each read takes: sequential (0, 1, 2, …) or random (a draw per read, as the cells and the C harness).")
        var pattern: String = "sequential"

        func validate() throws {
            _ = try parseSchemes(schemes)
            guard ReclaimBenchKit.ReadCost.Pattern(rawValue: pattern) != nil else {
                throw ValidationError("--pattern \(pattern): allowed \(ReclaimBenchKit.ReadCost.Pattern.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1000...10_000_000_000).contains(operations) else {
                throw ValidationError("--operations \(operations): allowed 1000–10000000000")
            }
            guard (1...100).contains(repetitions) else { throw ValidationError("--repetitions \(repetitions): allowed 1–100") }
        }

        func run() throws {
            let ids = try parseSchemes(schemes)
            let results = ReclaimBenchKit.ReadCost.run(schemes: ids, operations: operations, repetitions: repetitions,
                                                       pattern: ReclaimBenchKit.ReadCost.Pattern(rawValue: pattern)!)
            print("read-cost, \(pattern) slots: \(operations) operations × \(repetitions) repetitions, one thread")
            print(TextTable.render(
                header: ["scheme", "median ns/op", "min", "max", "repetitions"],
                rows: results.map { result in
                    [result.scheme, String(format: "%.2f", result.median), String(format: "%.2f", result.nanoseconds.first!),
                     String(format: "%.2f", result.nanoseconds.last!), String(result.nanoseconds.count)]
                }), terminator: "")
        }
    }

    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe",
            abstract: "Run exactly N single-thread operations of one scheme, for counting instructions under callgrind (scripts/instruction-check.sh).")

        @Argument(help: "Scheme id (reclaim-bench list).")
        var scheme: String

        @Argument(help: "Operation: read (guard + protect + read) or lookup (hash map contains).")
        var operation: String

        @Option(help: "Operations (1–1000000000).")
        var count: Int = 100_000

        func run() throws {
            let id: SchemeID
            do { id = try SchemeID.parse(scheme) } catch { throw fail(RunnerError(.usage, "probe: \(error)")) }
            guard let kind = InstructionProbe.Operation(rawValue: operation) else {
                throw fail(RunnerError(.usage, "probe: operation '\(operation)' is not one of \(InstructionProbe.Operation.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            guard (1...1_000_000_000).contains(count) else { throw fail(RunnerError(.usage, "probe: --count \(count) is outside 1–1000000000")) }
            if let reason = InstructionProbe.unsupportedReason(id, kind) {
                throw fail(RunnerError(.usage, "probe: \(scheme) cannot run \(operation): \(reason)"))
            }
            print("\(scheme) \(operation) \(count) operations, checksum \(InstructionProbe.run(id, kind, count: count))")
        }
    }

    struct SyncLatency: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync-latency",
            abstract: "Latency of synchronize() with 0 or more readers looping on short guards.")

        @Option(help: "Comma-separated scheme ids (default: every scheme with blocking-synchronize).")
        var schemes: String?

        @Option(help: "synchronize() calls per measurement (1–1000000).")
        var calls: Int = 1000

        @Option(help: "Comma-separated reader counts (0–64 each).")
        var readers: String = "0,1"

        func readerCounts() throws -> [Int] {
            let counts = readers.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (0...64).contains($0!) }) else {
                throw ValidationError("--readers \(readers): allowed a comma-separated list of counts 0–64")
            }
            return counts.map { $0! }
        }

        func validate() throws {
            _ = try parseSchemes(schemes)
            _ = try readerCounts()
            guard (1...1_000_000).contains(calls) else { throw ValidationError("--calls \(calls): allowed 1–1000000") }
        }

        func run() throws {
            let results = ReclaimBenchKit.SynchronizeLatency.run(
                schemes: try parseSchemes(schemes), calls: calls, readers: try readerCounts())
            print(TextTable.render(
                header: ["scheme", "readers", "p50", "p99", "p99.9", "max", "reads meanwhile"],
                rows: results.map { result in
                    [result.scheme, String(result.readers), LatencySummary.format(result.latency.p50),
                     LatencySummary.format(result.latency.p99), LatencySummary.format(result.latency.p999),
                     LatencySummary.format(result.latency.max), String(result.reads)]
                }), terminator: "")
        }
    }

    struct RetireLatency: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retire-latency",
            abstract: "Retire→free latency and backlog under a writer replacing slots as fast as it can.")

        @Option(help: "Comma-separated scheme ids (default: every scheme).")
        var schemes: String?

        @Option(help: "Seconds per scheme (0.1–600).")
        var duration: Double = 2

        @Option(help: "Reader threads beside the writer (0–64).")
        var readers: Int = 1

        func validate() throws {
            _ = try parseSchemes(schemes)
            guard (0.1...600).contains(duration) else { throw ValidationError("--duration \(duration): allowed 0.1–600 seconds") }
            guard (0...64).contains(readers) else { throw ValidationError("--readers \(readers): allowed 0–64") }
        }

        func run() throws {
            let results = ReclaimBenchKit.RetireLatency.run(
                schemes: try parseSchemes(schemes), duration: .milliseconds(Int(duration * 1000)),
                readers: readers, maximumSamples: 4_000_000)
            print(TextTable.render(
                header: ["scheme", "updates/s", "retire→free p50", "p99", "p99.9", "max", "peak backlog", "backlog at end"],
                rows: results.map { result in
                    [result.scheme, String(format: "%.2fM", result.updatesPerSecond / 1e6),
                     LatencySummary.format(result.latency.p50), LatencySummary.format(result.latency.p99),
                     LatencySummary.format(result.latency.p999), LatencySummary.format(result.latency.max),
                     String(result.peakBacklog), String(result.backlogSeries.last ?? 0)]
                }), terminator: "")
        }
    }

    struct MapThroughput: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "map-throughput",
            abstract: "Operations per second of a read-mostly hash map (a quick measurement, not the runner).")

        @Option(help: "Comma-separated scheme ids (default: every scheme that can run the hash map).")
        var schemes: String?

        @Option(help: "Comma-separated thread counts (1–256 each).")
        var threads: String = "1,2"

        @Option(name: .customLong("read-percent"), help: "Lookups among all operations, in percent (0–100).")
        var readPercent: Int = 99

        @Option(name: .customLong("key-range"), help: "Keys 0..<N, prefilled to half (2–16777216).")
        var keyRange: Int = 16384

        @Option(help: "Seconds per measurement (0.1–600).")
        var duration: Double = 1

        func threadCounts() throws -> [Int] {
            let counts = threads.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (1...256).contains($0!) }) else {
                throw ValidationError("--threads \(threads): allowed a comma-separated list of counts 1–256")
            }
            return counts.map { $0! }
        }

        func validate() throws {
            _ = try parseSchemes(schemes)
            _ = try threadCounts()
            guard (0...100).contains(readPercent) else { throw ValidationError("--read-percent \(readPercent): allowed 0–100") }
            guard (2...16_777_216).contains(keyRange) else { throw ValidationError("--key-range \(keyRange): allowed 2–16777216") }
            guard (0.1...600).contains(duration) else { throw ValidationError("--duration \(duration): allowed 0.1–600 seconds") }
        }

        func run() throws {
            let results = ReclaimBenchKit.MapThroughput.run(
                schemes: try parseSchemes(schemes), threads: try threadCounts(), readPercent: readPercent,
                keyRange: keyRange, duration: .milliseconds(Int(duration * 1000)))
            print(TextTable.render(
                header: ["scheme", "threads", "ops/s", "retired", "freed"],
                rows: results.map { result in
                    [result.scheme, String(result.threads), String(format: "%.2fM", result.operationsPerSecond / 1e6),
                     String(result.statistics.retired), String(result.statistics.freed)]
                }), terminator: "")
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the matrix (default: the quick preset) → results/<run-id>/: runs.csv, series.csv, latency.csv, manifest.json, charts/, report.html.",
            discussion: "Every cell runs in its own process. Ctrl-C abandons the cell in flight and keeps every finished one.")

        @Option(help: "quick (default; every scheme × the three workloads in minutes), full (the reference run) or calibration (each Swift scheme beside its C library; the C libraries in the Swift cells and in the standalone C harness).")
        var preset: String = "quick"
        @Option(help: "Comma-separated scheme ids (default: all; calibration: none and the four Swift/C pairs).")
        var schemes: String?
        @Option(help: "Comma-separated cell loops: swift (every scheme through the protocol), c (the standalone C harness: read-mostly slot table, none and the C libraries). Default: swift; calibration: both.")
        var harness: String?
        @Option(help: "Comma-separated structures: harris-michael-list, hash-map, michael-scott-queue, slot-table.")
        var structures: String?
        @Option(help: "Comma-separated workloads: read-mostly, reclaim-latency, overcommit.")
        var workloads: String?
        @Option(help: "Comma-separated thread counts for read-mostly and reclaim-latency (1–1024).")
        var threads: String?
        @Option(name: .customLong("read-percent"), help: "Comma-separated read percentages for the read-mostly hash map (0–100).")
        var readPercent: String?
        @Option(name: .customLong("key-range"), help: "Hash-map keys 0..<N, prefilled to half (default 16384).")
        var keyRange: Int?
        @Option(name: .customLong("read-work"), help: "Comma-separated rounds of work on each read's value after its guard, in the read-mostly slot-table cells of both harnesses (0–1000; a round is a dependent xor-shift and multiply, ~1.3 ns here). Default 0; calibration: 0, and 4 beside the paced-writer cells.")
        var readWork: String?
        @Option(name: .customLong("bag-capacity"), help: "Sweep: comma-separated nodes per bag (1–65536; default 64). Each value but the default runs every cell again for the schemes that read it (ebr, qsbr, rcu, ck-epoch), with none beside them.")
        var bagCapacity: String?
        @Option(name: .customLong("retire-scan-threshold"), help: "Sweep: comma-separated retires between scans (1–1000000; default 1000), for the hazard-pointer schemes (hp, hp-asym, hp-percpu, ck-hp).")
        var retireScanThreshold: String?
        @Option(name: .customLong("qs-interval"), help: "Sweep: comma-separated quiescent-state intervals, operations per announcement (1–1000000; default 1), for qsbr and urcu-qsbr.")
        var qsInterval: String?
        @Option(name: .customLong("gp-interval"), help: "Sweep: comma-separated least microseconds between the reclaimer thread's grace periods (0–1000000, 0: one as soon as a bag is queued; default 10000), for rcu.")
        var gpInterval: String?
        @Option(help: "Seconds of measured window per cell (default: quick 0.5, full 1).")
        var duration: Double?
        @Option(help: "Repetitions, the outermost loop (default: quick 1, full 5).")
        var repetitions: Int?
        @Option(help: "Seed of the scheme order and every cell's random choices.")
        var seed: UInt64 = 1
        @Option(help: "Results folder (must not exist; default results/<UTC time>-<preset>).")
        var out: String?
        @Option(help: "Run shard i of n (whole groups of cells, so the none cells a ratio needs stay together).")
        var shard: String?
        @Option(name: .customLong("memory-cap"), help: "MiB of jemalloc-allocated memory at which a cell stops (default 4096).")
        var memoryCap: Int = 4096
        @Flag(help: "No progress lines.")
        var quiet = false

        func run() throws {
            var arguments = RunArguments()
            arguments.preset = preset
            arguments.schemes = schemes
            arguments.structures = structures
            arguments.workloads = workloads
            arguments.threads = threads
            arguments.readPercent = readPercent
            arguments.keyRange = keyRange
            arguments.duration = duration
            arguments.repetitions = repetitions
            arguments.seed = seed
            arguments.out = out
            arguments.shard = shard
            arguments.memoryCapMegabytes = memoryCap
            arguments.harness = harness
            arguments.readWork = readWork
            arguments.knobs[.bagCapacity] = bagCapacity
            arguments.knobs[.retireScanThreshold] = retireScanThreshold
            arguments.knobs[.quiescentStateInterval] = qsInterval
            arguments.knobs[.gracePeriodInterval] = gpInterval
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

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the result folders of the shards of one run (same commit, same flags).")

        @Argument(help: "The shards' results folders.")
        var shards: [String]
        @Option(help: "The merged results folder (must not exist).")
        var out: String

        func run() throws {
            do {
                let folder = try ReclaimBenchKit.Merge.merge(shards, into: out, command: CommandLine.arguments)
                print(folder.path)
            } catch { throw fail(error) }
        }
    }

    /// The child side of `run`: one cell, spec on standard input, result on standard output.
    struct Cell: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one cell (used by `run`; reads a JSON cell spec on stdin).", shouldDisplay: false)

        func run() throws {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            guard let spec = try? JSONDecoder().decode(CellSpec.self, from: input) else {
                throw fail(RunnerError(.data, "cell: standard input is not a JSON cell spec"))
            }
            let result = CellExecution.run(spec)
            FileHandle.standardOutput.write(try JSONEncoder().encode(result))
        }
    }

    struct TortureCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "torture",
            abstract: "Torture a scheme (after rcutorture/hazptrtorture): SUCCESS (exit 0) or FAILURE with the reason (exit 1).",
            discussion: """
                One writer replaces the current object; removed objects go through --pipe-length grace periods \
                (retire with a deleter that re-retires, or synchronize()) before they return to the pool. \
                Readers protect the current object, check it (poison, generation, publication), sometimes \
                sleep or spin inside the guard, and record its age: any age above 1 is a premature \
                reclamation. One protection in --defer-modulus is handed to the release thread (schemes \
                with cross-thread release) or held long on the same thread (the others).
                """)

        @Argument(help: "Scheme id (reclaim-bench list); or use --planted.")
        var scheme: String?
        @Option(help: "Run a deliberately broken scheme (see --list-planted); it must fail.")
        var planted: String?
        @Flag(name: .customLong("list-planted"), help: "List the planted broken schemes and exit.")
        var listPlanted = false
        @Option(parsing: .unconditional, help: "Reader threads; negative: a multiple of the online CPUs (-4: 4 × CPUs, overcommit).")
        var readers: Int = -1
        @Option(name: .customLong("fake-writers"), parsing: .unconditional, help: "Threads that retire extra, never-published nodes.")
        var fakeWriters: Int = 1
        @Option(parsing: .unconditional, help: "Seconds to run.")
        var duration: Double = 10
        @Option(parsing: .unconditional, help: "Operation budget: stop after N writer replacements, or at --duration, whichever is first (0: the duration alone).")
        var replacements: Int = 0
        @Option(name: .customLong("stat-interval"), parsing: .unconditional, help: "Seconds between progress lines (0: none); a writer with no replacement in one fails the run.")
        var statInterval: Double = 5
        @Option(name: .customLong("reader-sleep-us"), parsing: .unconditional, help: "A reader sleeps this long inside its guard on about one read in 256 (0: never).")
        var readerSleepUs: Int = 50
        @Option(name: .customLong("defer-modulus"), parsing: .unconditional, help: "One protection in N is deferred: handed off or held long (0: never).")
        var deferModulus: Int = 64
        @Option(name: .customLong("release-thread-ms"), parsing: .unconditional, help: "How long a deferred protection is kept at least.")
        var releaseThreadMs: Double = 1
        @Option(name: .customLong("churn-ms"), parsing: .unconditional, help: "Readers leave and new threads register every N ms (0: never).")
        var churnMs: Double = 0
        @Option(parsing: .unconditional, help: "Run N s, pause, check that every object but the current one is back in the pool, resume (0: off).")
        var stutter: Double = 0
        @Option(name: .customLong("writer-interval-us"), parsing: .unconditional, help: "The writer waits up to N µs between replacements.")
        var writerIntervalUs: Int = 100
        @Option(name: .customLong("pipe-length"), parsing: .unconditional, help: "Grace periods before an object returns to the pool.")
        var pipeLength: Int = 10
        @Option(help: "Seed of every thread's random choices.")
        var seed: UInt64 = 1
        @Option(help: "Domain thresholds: testing (scan or seal every few retires, 1 ms scan period) or default (the runner's).")
        var thresholds: String = "testing"
        @Option(name: .customLong("gp-interval"), parsing: .unconditional, help: "rcu: least microseconds between the reclaimer thread's grace periods (0–1000000; default: the thresholds' value, 0 for testing).")
        var gpInterval: Int?
        @Flag(help: "No progress lines.")
        var quiet = false

        func run() throws {
            if listPlanted {
                for scheme in PlantedScheme.allCases { print("\(scheme.rawValue)  \(scheme.summary)") }
                return
            }
            var options = TortureOptions()
            options.readers = readers
            options.fakeWriters = fakeWriters
            options.durationSeconds = duration
            options.maxReplacements = replacements
            options.exitAfterFailureSeconds = 30
            options.statIntervalSeconds = statInterval
            options.readerSleepMicros = readerSleepUs
            options.deferModulus = deferModulus
            options.releaseThreadMilliseconds = releaseThreadMs
            options.churnMilliseconds = churnMs
            options.stutterSeconds = stutter
            options.writerIntervalMicros = writerIntervalUs
            options.pipeLength = pipeLength
            options.seed = seed
            var configuration: ReclaimerConfiguration
            switch thresholds {
            case "testing": configuration = .testing
            case "default": configuration = ReclaimerConfiguration()
            default: throw fail(RunnerError(.usage, "torture: --thresholds \(thresholds) is not one of testing, default"))
            }
            if let gpInterval {
                let allowed = ReclaimerConfiguration.Knob.gracePeriodInterval.allowed
                guard allowed.contains(gpInterval) else {
                    throw fail(RunnerError(.usage, "torture: --gp-interval \(gpInterval): allowed \(allowed.lowerBound)–\(allowed.upperBound) µs"))
                }
                configuration.gracePeriodIntervalMicroseconds = gpInterval
            }
            struct Runner: SchemeVisitor {
                let options: TortureOptions
                let configuration: ReclaimerConfiguration
                let planted: Bool
                let quiet: Bool
                func visit<R: Reclaimer>(_ scheme: R.Type) -> Result<TortureReport, RunnerError> {
                    do {
                        return .success(try Torture.run(R.self, options: options, configuration: configuration, planted: planted) { line in
                            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
                        })
                    } catch { return .failure(error) }
                }
            }
            let command = CommandLine.arguments.map(shellQuoted).joined(separator: " ")
                + (isStressBuild ? "   (a stress build: RECLAIMBENCH_STRESS=1 swift build --build-path .build-stress)" : "")
            Torture.reproduceCommand.withLock { $0 = command }
            let result: Result<TortureReport, RunnerError>
            switch (scheme, planted) {
            case (nil, nil):
                throw fail(RunnerError(.usage, "torture: name a scheme (reclaim-bench list) or --planted NAME (--list-planted)"))
            case (.some, .some):
                throw fail(RunnerError(.usage, "torture: name a scheme or --planted, not both"))
            case (let id?, nil):
                let parsed: SchemeID
                do { parsed = try SchemeID.parse(id) } catch { throw fail(RunnerError(.usage, "torture: \(error)")) }
                result = parsed.accept(Runner(options: options, configuration: configuration, planted: false, quiet: quiet))
            case (nil, let name?):
                let parsed: PlantedScheme
                do { parsed = try PlantedScheme.parse(name) } catch { throw fail(error) }
                result = parsed.accept(Runner(options: options, configuration: configuration, planted: true, quiet: quiet))
            }
            switch result {
            case .failure(let error): throw fail(error)
            case .success(var report):
                report.reproduce = command
                print(report.render(), terminator: "")
                if !report.success { throw ExitCode(1) }
            }
        }
    }

    struct Chart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw the charts (charts/*.svg) and report.html of a results folder, from its CSV files only.")

        @Argument(help: "A results folder.")
        var folder: String

        func run() throws {
            do {
                let results = try ResultSet(folder: folder)
                print(try ReportPage.write(results, to: results.folder).path)
            } catch { throw fail(error) }
        }
    }

    struct PickCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pick",
            abstract: "Rank the schemes of a results folder for your constraints, each with its measured reason.",
            discussion: """
                Constraints filter (--handoff needs cross-thread release; --memory-bound strict needs garbage \
                that stays bounded, and excludes a scheme the run saw leak under a stalled reader; \
                --latency-budget-us caps the operation p99), measurements rank (throughput at the nearest \
                measured point, then memory, then tail latency). Schemes whose 95 % intervals overlap are tied.
                """)

        @Argument(help: "A results folder.")
        var folder: String
        @Option(name: .customLong("read-percent"), help: "Lookups among all operations (0–100; default 99).")
        var readPercent: Int?
        @Option(help: "Worker threads (default: the run's CPUs).")
        var threads: Int?
        @Option(name: .customLong("memory-bound"), help: "strict (garbage bounded whatever readers do) or loose (default).")
        var memoryBound: String = "loose"
        @Flag(help: "More threads than CPUs: answer from the overcommit workload.")
        var oversubscribed = false
        @Flag(help: "Protections are handed to, and released on, other threads.")
        var handoff = false
        @Option(name: .customLong("latency-budget-us"), help: "Most an operation's p99 latency may be, in µs.")
        var latencyBudgetUs: Double?

        func run() throws {
            var constraints = Pick.Constraints()
            guard let bound = Pick.MemoryBound(rawValue: memoryBound) else {
                throw fail(RunnerError(.usage, "pick: --memory-bound \(memoryBound) is not one of strict, loose"))
            }
            constraints.memoryBound = bound
            constraints.readPercent = readPercent
            constraints.threads = threads
            constraints.oversubscribed = oversubscribed
            constraints.handoff = handoff
            constraints.latencyBudgetMicros = latencyBudgetUs
            do {
                try constraints.validate()
                let results = try ResultSet(folder: folder)
                print(Pick.render(try Pick.pick(results, constraints), folder: folder), terminator: "")
            } catch { throw fail(error) }
        }
    }

    struct Summarize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ratios with bootstrap 95 % intervals: read-mostly throughput ÷ none (with targets), each Swift scheme ÷ its C library, each C library in the C harness and in the Swift cell, and the sampler's effect.")

        @Argument(help: "A results folder.")
        var folder: String
        @Option(help: "Threads of the read-mostly hash-map cells to compare with the targets.")
        var threads: Int = 2
        @Option(name: .customLong("read-percent"), help: "Read percent of those cells.")
        var readPercent: Int = 99

        func run() throws {
            do {
                print(try ReclaimBenchKit.Summary.text(folder: URL(fileURLWithPath: folder), threads: threads, readPercent: readPercent),
                      terminator: "")
            } catch { throw fail(error) }
        }
    }
}

/// `argument` as a POSIX shell word (single-quoted unless it is plainly safe).
func shellQuoted(_ argument: String) -> String {
    let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+%@".contains($0) }
    if safe && !argument.isEmpty { return argument }
    return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
