import Foundation
import LockFreeStructures
import Reclamation
import ReclaimBenchKit
import Testing
import TestSupport

/// A stand-in executor: canned results, and an interruption after `interruptAfter` cells.
final class StubExecutor: CellExecutor, @unchecked Sendable {
    var executed: [CellSpec] = []
    let interruptDuring: Int?
    init(interruptDuring: Int? = nil) { self.interruptDuring = interruptDuring }

    func execute(_ spec: CellSpec) throws -> CellResult {
        executed.append(spec)
        if let interruptDuring, executed.count == interruptDuring { throw CellInterrupted() }
        var result = CellResult()
        result.elapsedSeconds = 1
        result.operations = 1000 + spec.index
        result.reads = 900
        result.updates = 100 + spec.index
        result.note = "stub, with \"quotes\", commas"
        result.latencyQuantiles = ResultsSchema.latencyQuantiles.map { 100 * $0 }
        if spec.workload == .reclaimLatency { result.retireFreeQuantiles = ResultsSchema.latencyQuantiles.map { 1000 * $0 } }
        result.series = (0..<25).map { SeriesPoint(milliseconds: Double($0), unreclaimed: UInt64($0), allocatedBytes: 1 << 20, residentBytes: 1 << 21) }
        return result
    }
}

func scratchFolder(_ name: String) -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("reclaimbench-tests-\(getpid())-\(name)")
    try? FileManager.default.removeItem(at: url)
    return url.path
}

func options(_ configure: (inout RunArguments) -> Void = { _ in }) throws -> RunOptions {
    var arguments = RunArguments()
    configure(&arguments)
    return try RunOptions(arguments)
}

@Suite(.watchdog, .serialized)
struct MatrixTests {
    @Test("quick runs every scheme on the three workloads, lists arc × hash map, one repetition")
    func quickPlan() throws {
        let plan = try Matrix.plan(options())
        #expect(Set(plan.cells.map(\.workload)) == Set(WorkloadID.allCases))
        #expect(Set(plan.cells.map(\.scheme)) == Set(SchemeID.allCases))
        #expect(plan.cells.allSatisfy { $0.repetition == 1 && $0.durationSeconds == 0.5 })
        #expect(!plan.cells.contains { $0.scheme == .arc && $0.structure == .hashMap })
        #expect(plan.skipped.contains { $0.hasPrefix("arc × hash-map") })
        #expect(plan.cells.map(\.index) == Array(0..<plan.cells.count))
        // Every workload × structure cell has its none baseline in the same group.
        for group in Set(plan.cells.map(\.group)) {
            #expect(plan.cells.contains { $0.group == group && $0.scheme == .none })
        }
    }

    @Test("full runs five repetitions outermost, three read ratios, four overcommit factors, sampler-off cells")
    func fullPlan() throws {
        let plan = try Matrix.plan(options { $0.preset = "full" })
        #expect(Set(plan.cells.map(\.repetition)) == [1, 2, 3, 4, 5])
        let repetitions = plan.cells.map(\.repetition)
        #expect(repetitions == repetitions.sorted(), "repetitions are the outermost loop")
        #expect(Set(plan.cells.filter { $0.structure == .hashMap && $0.workload == .readMostly }.map(\.readPercent)) == [90, 99, 100])
        #expect(Set(plan.cells.compactMap { $0.overcommitFactor > 0 ? $0.overcommitFactor : nil }) == [1, 2, 4, 8])
        #expect(plan.cells.contains { !$0.sampler } && plan.cells.contains { $0.stalledReader })
    }

    @Test("scheme order is shuffled by the seed, reproducibly")
    func shuffled() throws {
        let first = try Matrix.plan(options { $0.seed = 7 }).cells.map(\.scheme)
        let again = try Matrix.plan(options { $0.seed = 7 }).cells.map(\.scheme)
        let other = try Matrix.plan(options { $0.seed = 8 }).cells.map(\.scheme)
        #expect(first == again)
        #expect(first != other)
    }

    @Test("filters and overrides narrow the matrix")
    func filters() throws {
        let plan = try Matrix.plan(options {
            $0.schemes = "hp,none"; $0.workloads = "read-mostly"; $0.structures = "hash-map"
            $0.threads = "3"; $0.readPercent = "50,100"; $0.keyRange = 64; $0.duration = 0.25; $0.repetitions = 2
        })
        #expect(plan.cells.count == 2 * 2 * 2)  // schemes × read percents × repetitions
        #expect(plan.cells.allSatisfy { $0.threads == 3 && $0.keyRange == 64 && $0.durationSeconds == 0.25 })
    }

    @Test("shards partition the plan by whole groups")
    func shards() throws {
        let whole = try Matrix.plan(options { $0.preset = "full" })
        var seen: [Int] = []
        for index in 1...3 {
            let shard = try Matrix.plan(options { $0.preset = "full"; $0.shard = "\(index)/3" })
            #expect(shard.unshardedCount == whole.cells.count)
            seen += shard.cells.map(\.index)
            for group in Set(shard.cells.map(\.group)) {
                #expect(shard.cells.filter { $0.group == group }.count == whole.cells.filter { $0.group == group }.count)
            }
        }
        #expect(seen.sorted() == whole.cells.map(\.index))
    }
}

@Suite(.watchdog, .serialized)
struct BadInputTests {
    nonisolated(unsafe) static let usage: [(String, (inout RunArguments) -> Void)] = [
        ("unknown scheme", { $0.schemes = "hp,nope" }),
        ("unknown workload", { $0.workloads = "write-only" }),
        ("unknown structure", { $0.structures = "btree" }),
        ("unknown preset", { $0.preset = "medium" }),
        ("zero threads", { $0.threads = "0" }),
        ("negative threads", { $0.threads = "2,-1" }),
        ("zero duration", { $0.duration = 0 }),
        ("negative duration", { $0.duration = -1 }),
        ("read percent above 100", { $0.readPercent = "101" }),
        ("read percent below 0", { $0.readPercent = "-5" }),
        ("malformed shard", { $0.shard = "3/2" }),
        ("shard without a slash", { $0.shard = "2" }),
        ("zero repetitions", { $0.repetitions = 0 }),
    ]

    /// Runs with `arguments` into `out`; the error it stops with, or nil when it ran.
    static func attempt(_ arguments: RunArguments, out: String) -> RunnerError? {
        do {
            let options = try RunOptions(arguments)
            _ = try RunCoordinator(options: options, command: [], out: out, executor: StubExecutor()).run()
            return nil
        } catch {
            return error
        }
    }

    @Test("bad flags: one line naming the value, exit 64, nothing written", arguments: 0..<usage.count)
    func usageErrors(index: Int) {
        let name = Self.usage[index].0
        let folder = scratchFolder("usage-\(index)")
        var arguments = RunArguments()
        Self.usage[index].1(&arguments)
        let error = Self.attempt(arguments, out: folder)
        #expect(error?.code == .usage, "\(name): \(String(describing: error))")
        #expect(error?.message.contains("\n") == false)
        #expect(!FileManager.default.fileExists(atPath: folder), "\(name): nothing may be written")
    }

    @Test("an existing results folder is never overwritten (exit 73)")
    func existingFolder() throws {
        let folder = scratchFolder("existing")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "earlier results\n".write(toFile: folder + "/runs.csv", atomically: true, encoding: .utf8)
        let error = Self.attempt(RunArguments(), out: folder)
        #expect(error?.code == .cannotCreate && error?.message.contains("exists") == true)
        #expect(try String(contentsOfFile: folder + "/runs.csv", encoding: .utf8) == "earlier results\n")
    }

    @Test("an unwritable place for the results (exit 73)")
    func unwritable() throws {
        #expect(Self.attempt(RunArguments(), out: "/proc/reclaimbench/results")?.code == .cannotCreate)
    }
}

@Suite(.watchdog, .serialized)
struct OutputTests {
    @Test("a complete run writes every row, the series and a complete manifest")
    func completeRun() throws {
        let folder = scratchFolder("complete")
        let executor = StubExecutor()
        let summary = try RunCoordinator(options: options { $0.schemes = "hp,none" }, command: ["reclaim-bench", "run"],
                                         out: folder, executor: executor).run()
        #expect(!summary.interrupted && summary.completed == executor.executed.count)
        let runs = try CSVFile.read(URL(fileURLWithPath: folder + "/runs.csv"), expecting: ResultsSchema.runColumns)
        #expect(runs.rows.count == executor.executed.count)
        #expect(runs.rows.allSatisfy { $0[runs.column("note")] == "stub, with \"quotes\", commas" })
        let series = try CSVFile.read(URL(fileURLWithPath: folder + "/series.csv"), expecting: ResultsSchema.seriesColumns)
        #expect(series.rows.count == executor.executed.count * 3)  // 25 points, every 10th kept
        let latency = try CSVFile.read(URL(fileURLWithPath: folder + "/latency.csv"), expecting: ResultsSchema.latencyColumns)
        let latencyCells = executor.executed.filter { $0.workload == .reclaimLatency }.count
        #expect(latency.rows.count == (executor.executed.count + latencyCells) * ResultsSchema.latencyQuantiles.count)
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")))
        #expect(manifest.status == "complete" && manifest.cellsCompleted == executor.executed.count)
        #expect(manifest.label.hasPrefix("quick") && manifest.preset == .quick)
        #expect(!manifest.nodeBytes.isEmpty && !manifest.schemeParameters.isEmpty && manifest.mallocConf == Environment.cellMallocConf)
    }

    @Test("interrupted during a cell: that cell is abandoned, every finished one kept whole")
    func interruption() throws {
        let folder = scratchFolder("interrupted")
        let executor = StubExecutor(interruptDuring: 4)
        let summary = try RunCoordinator(options: options(), command: [], out: folder, executor: executor).run()
        #expect(summary.interrupted && summary.completed == 3)
        let runs = try CSVFile.read(URL(fileURLWithPath: folder + "/runs.csv"), expecting: ResultsSchema.runColumns)
        #expect(runs.rows.map { Int($0[runs.column("cell")])! } == executor.executed.prefix(3).map(\.index))
        let text = try String(contentsOfFile: folder + "/runs.csv", encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")))
        #expect(manifest.status == "interrupted" && manifest.cellsCompleted == 3)
        #expect(manifest.interruption?.contains("cell 4") == true)
        #expect(!FileManager.default.fileExists(atPath: folder + "/.runs.csv.tmp"))
    }

    @Test("the CSV columns are the ones results/README.md documents")
    func schemaDocumented() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("results/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        // Documented columns are the first cell of table rows: | `column` | …
        let documented = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return line.split(separator: "`").dropFirst().first.map(String.init)
        }
        let columns = ResultsSchema.runColumns + ResultsSchema.seriesColumns + ResultsSchema.latencyColumns
        for column in columns {
            #expect(documented.contains(column), "results/README.md does not document \(column)")
        }
        #expect(Set(documented).isSubset(of: Set(columns)))
    }
}

@Suite(.watchdog, .serialized)
struct MergeTests {
    func shards(_ name: String, count: Int, configure: (inout RunArguments) -> Void = { _ in }) throws -> [String] {
        try (1...count).map { index in
            let folder = scratchFolder("\(name)-\(index)")
            _ = try RunCoordinator(options: options { configure(&$0); $0.shard = "\(index)/\(count)" },
                                   command: [], out: folder, executor: StubExecutor()).run()
            return folder
        }
    }

    @Test("merging every shard gives the whole plan in order")
    func mergesShards() throws {
        let inputs = try shards("merge", count: 2)
        let out = scratchFolder("merged")
        _ = try Merge.merge(inputs, into: out, command: ["merge"])
        let runs = try CSVFile.read(URL(fileURLWithPath: out + "/runs.csv"), expecting: ResultsSchema.runColumns)
        let whole = try Matrix.plan(options())
        #expect(runs.rows.map { Int($0[runs.column("cell")])! } == whole.cells.map(\.index))
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json")))
        #expect(manifest.status == "complete" && manifest.shard == nil)
    }

    @Test("merge refuses shards of different flags, commits, or the same shard twice (exit 65)")
    func refuses() throws {
        let a = try shards("flags-a", count: 2)
        let b = try shards("flags-b", count: 2) { $0.seed = 9 }
        func expectData(_ inputs: [String]) {
            do {
                _ = try Merge.merge(inputs, into: scratchFolder("refused"), command: [])
                Issue.record("merged \(inputs)")
            } catch {
                #expect(error.code == .data, "\(error)")
            }
        }
        expectData([a[0], b[1]])  // different seeds
        expectData([a[0], a[0]])  // the same shard twice
        // A different commit.
        let manifestURL = URL(fileURLWithPath: a[1] + "/manifest.json")
        var manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: manifestURL))
        manifest.gitCommit = "0000000"
        try JSONEncoder().encode(manifest).write(to: manifestURL)
        expectData([a[0], a[1]])
        #expect(!FileManager.default.fileExists(atPath: scratchFolder("refused")))
    }
}

/// The real workloads, in this process, very short: each runs and measures something.
@Suite(.watchdog, .serialized)
struct CellExecutionTests {
    @Test("every workload runs in process and reports operations", arguments: [SchemeID.hp, .ebr, .rc])
    func workloads(scheme: SchemeID) throws {
        let plan = try Matrix.plan(options { $0.schemes = scheme.rawValue; $0.duration = 0.05 })
        for spec in plan.cells {
            let result = CellExecution.run(spec)
            #expect(result.status == .ok, "\(spec.label): \(result.note)")
            #expect(result.operations > 0, "\(spec.label)")
            if spec.workload == .reclaimLatency { #expect(result.retireFreeSamples > 0, "\(spec.label)") }
            if spec.workload == .overcommit { #expect(result.achievedSleepMicros > 0, "\(spec.label)") }
            #expect(!result.series.isEmpty, "\(spec.label)")
        }
    }
}
