import CReferenceLibraries
import Foundation
import LockFreeStructures
import ReclaimBenchSupport
import Reclamation
import ReclaimBenchKit
import Testing
import TestSupport

/// Throughput by scheme and harness: the C harness's none 100 M reads/s and its C
/// libraries half of that; in the Swift cells none 200 M, the C libraries half, each Swift
/// scheme 1.2 × its C library. With read work w every rate is divided by 1 + w and the C
/// libraries run at 0.8 of none instead (so a ratio that pairs across read works is
/// wrong). Repetition r scales everything by (1 + jitter[r]). A writer (the slot table's)
/// does 1 M updates/s under a C library and 2 M under a Swift scheme.
final class PeerFixtureExecutor: CellExecutor, @unchecked Sendable {
    static let jitter: [Double] = [0, 0.01, -0.02, 0.03, -0.01, 0.02, 0, 0.01, -0.01, 0.02, -0.03]

    /// A C library's ratio to none at `readWork`.
    static func libraryRatio(readWork: Int) -> Double { readWork == 0 ? 0.5 : 0.8 }

    static func rate(_ scheme: SchemeID, harness: HarnessLanguage, readWork: Int = 0) -> Double {
        let none = (harness == .c ? 100e6 : 200e6) / Double(1 + readWork)
        if scheme == .none { return none }
        if scheme.isCLibrary { return none * libraryRatio(readWork: readWork) }
        return none * libraryRatio(readWork: readWork) * 1.2  // a Swift scheme: 1.2 × its C library
    }

    func execute(_ spec: CellSpec) throws -> CellResult {
        var result = CellResult()
        result.elapsedSeconds = 1
        let rate = Self.rate(spec.scheme, harness: spec.harness, readWork: spec.readWork) * (1 + Self.jitter[spec.repetition % Self.jitter.count])
        result.reads = Int(rate)
        result.operations = result.reads  // no updates: ops/s and reads/s keep the ratios exact
        result.writerCPUSeconds = 0.9
        if spec.structure == .slotTable { result.writerUpdatesPerSecond = spec.scheme.isCLibrary ? 1e6 : 2e6 }
        result.note = spec.harness == .c ? "C harness" : ""
        return result
    }
}

@Suite(.watchdog, .serialized)
struct CalibrationTests {
    @Test("the calibration preset: slot-table cells in both harnesses (C: none and the C libraries only), the hash map, ten repetitions")
    func calibrationPlan() throws {
        let plan = try Matrix.plan(options { $0.preset = "calibration" })
        #expect(Set(plan.cells.map(\.repetition)) == Set(1...10))
        let cCells = plan.cells.filter { $0.harness == .c }
        #expect(Set(cCells.map(\.scheme)) == Set(HarnessLanguage.cSchemes))
        #expect(cCells.allSatisfy { $0.structure == .slotTable && $0.workload == .readMostly && !$0.sampler })
        let swiftSlot = plan.cells.filter { $0.harness == .swift && $0.structure == .slotTable }
        #expect(Set(swiftSlot.map(\.scheme)) == Set(Preset.calibration.defaultSchemes))
        #expect(Set(swiftSlot.map(\.writer)) == [.paced, .maxRate] && Set(swiftSlot.map(\.threads)) == [1, 2])
        #expect(Set(plan.cells.filter { $0.structure == .hashMap }.map(\.readPercent)) == [99])
        #expect(plan.skipped.contains { $0.hasPrefix("ebr × C harness") })
        for group in Set(plan.cells.map(\.group)) {
            let cells = plan.cells.filter { $0.group == group }
            #expect(Set(cells.map(\.harness)).count == 1, "a group never mixes harnesses")
            #expect(cells.contains { $0.scheme == .none })
        }
    }

    @Test("--harness c adds the read-mostly slot-table cells in the C harness; a bad value is a usage error")
    func harnessFlag() throws {
        let plan = try Matrix.plan(options { $0.harness = "swift,c" })
        let cCells = plan.cells.filter { $0.harness == .c }
        #expect(!cCells.isEmpty && cCells.allSatisfy { $0.structure == .slotTable && $0.workload == .readMostly })
        #expect(Set(cCells.map(\.scheme)).isSubset(of: Set(HarnessLanguage.cSchemes)))
        let onlyC = try Matrix.plan(options { $0.harness = "c"; $0.structures = "slot-table"; $0.workloads = "read-mostly" })
        #expect(onlyC.cells.allSatisfy { $0.harness == .c })
        do {
            _ = try options { $0.harness = "rust" }
            Issue.record("--harness rust was accepted")
        } catch let error as RunnerError {
            #expect(error.code == .usage && error.message.contains("--harness") && error.message.contains("rust"))
        }
    }

    @Test("read work: calibration's paced-writer cells again at 4 rounds in both harnesses; --read-work sets it on the read-mostly slot-table cells only; a bad value is a usage error")
    func readWorkPlan() throws {
        let calibration = try Matrix.plan(options { $0.preset = "calibration" })
        let worked = calibration.cells.filter { $0.readWork > 0 }
        #expect(Set(worked.map(\.readWork)) == [Matrix.calibrationReadWork])
        #expect(Set(worked.map(\.harness)) == [.swift, .c] && worked.allSatisfy { $0.writer == .paced && $0.structure == .slotTable })
        #expect(calibration.cells.contains { $0.readWork == 0 && $0.writer == .paced && $0.harness == .c })
        for group in Set(calibration.cells.map(\.group)) {
            #expect(Set(calibration.cells.filter { $0.group == group }.map(\.readWork)).count == 1, "a group never mixes read work")
        }
        let quick = try Matrix.plan(options { $0.readWork = "0,8" })
        let slotReadMostly = quick.cells.filter { $0.structure == .slotTable && $0.workload == .readMostly }
        #expect(Set(slotReadMostly.map(\.readWork)) == [0, 8])
        #expect(quick.cells.filter { !($0.structure == .slotTable && $0.workload == .readMostly) }.allSatisfy { $0.readWork == 0 })
        for bad in ["-1", "1001", "x", "4,"] {
            do {
                _ = try options { $0.readWork = bad }
                Issue.record("--read-work \(bad) was accepted")
            } catch let error as RunnerError {
                #expect(error.code == .usage && error.message.contains("--read-work") && error.message.contains("0–1000"))
            }
        }
    }

    @Test("the Swift cell's loop does the read work on every read's value (rl_read_work, as the C harness)",
          arguments: [SchemeID.none, .ebr, .ckHp])
    func readWorkRuns(scheme: SchemeID) {
        // Same seed, same reads: the checksum sums each read's value, or its worked value.
        let plain = InstructionProbe.run(scheme, .slotTableCell, count: 512)
        let worked = InstructionProbe.run(scheme, .slotTableCell, count: 512, readWork: 3)
        #expect(plain == InstructionProbe.run(scheme, .slotTableCell, count: 512), "the probe is deterministic")
        #expect(worked != plain, "read work 3 left the checksum at \(plain)")
        var expectedOne: UInt64 = 1
        for _ in 0..<3 { expectedOne = (expectedOne ^ (expectedOne >> 31)) &* 0xbf58476d1ce4e5b9 }
        #expect(rl_read_work(1, 3) == expectedOne && rl_read_work(7, 0) == 7)
    }

    /// A one-reader slot-table cell of the calibration preset, with a short window.
    static func cellSpec(_ scheme: SchemeID, harness: HarnessLanguage, writer: WriterMode) -> CellSpec {
        let plan = try! Matrix.plan(options { $0.preset = "calibration"; $0.threads = "1"; $0.structures = "slot-table" })
        var spec = plan.cells.first { $0.writer == writer && $0.harness == .swift && $0.readWork == 0 }!
        spec.scheme = scheme
        spec.harness = harness
        spec.durationSeconds = 0.05
        spec.warmupSeconds = 0.02
        return spec
    }

    @Test("the C harness runs the slot-table cell for none and every C library: reads, the writer's updates and CPU, a drained backlog",
          arguments: TestedSchemes.cHarness, [WriterMode.paced, .maxRate])
    func cHarnessCell(scheme: SchemeID, writer: WriterMode) {
        let result = CellExecution.run(Self.cellSpec(scheme, harness: .c, writer: writer))
        #expect(result.status == .ok, "\(result.note)")
        #expect(result.reads > 0 && result.reads % CellExecution.operationsPerBatch == 0, "reads are counted per batch: \(result.reads)")
        #expect(result.updates > 0 && result.writerUpdatesPerSecond > 0)
        #expect(result.writerCPUSeconds > 0)
        #expect(result.latencyQuantiles.count == ResultsSchema.latencyQuantiles.count, "sampled reads were timed")
        #expect(result.note == "C harness")
    }

    @Test("the C harness refuses what it does not run, with the reason")
    func cHarnessRefuses() {
        let swiftScheme = CellExecution.run(Self.cellSpec(.ebr, harness: .c, writer: .paced))
        #expect(swiftScheme.status == .failed && swiftScheme.note.contains("only none and the C libraries"))
        var map = Self.cellSpec(.ckEpoch, harness: .c, writer: .paced)
        map.structure = .hashMap
        let other = CellExecution.run(map)
        #expect(other.status == .failed && other.note.contains("only the read-mostly slot-table cell"))
    }

    @Test("the Swift cell's paced writer records its CPU time and the rate it achieved")
    func swiftWriterCPU() {
        let result = CellExecution.run(Self.cellSpec(.ebr, harness: .swift, writer: .paced))
        #expect(result.status == .ok)
        #expect(result.updates > 0 && result.writerCPUSeconds > 0)
        #expect(result.reads % CellExecution.operationsPerBatch == 0)
    }

    @Test("a bootstrap interval depends on the data and the seed, not on the order the values were gathered in")
    func bootstrapIgnoresOrder() {
        let values: [Double] = [0.61, 0.55, 0.72, 0.58, 0.66, 0.49, 0.93, 0.63, 0.57, 0.70]
        var first = SplitMix64(seed: 6)
        let interval = RatioAnalysis.bootstrapMedianInterval(values, resamples: 2000, random: &first)
        for order in [Array(values.reversed()), values.sorted(), values.sorted(by: >), Array(values[5...] + values[..<5])] {
            var again = SplitMix64(seed: 6)
            let other = RatioAnalysis.bootstrapMedianInterval(order, resamples: 2000, random: &again)
            #expect(other == interval, "\(order): \(other) against \(interval)")
        }
    }

    @Test("summarize and the charts pair each Swift scheme with its C library and each C library across harnesses")
    func peerAnalysis() throws {
        let folder = scratchFolder("calibration-fixture")
        _ = try RunCoordinator(options: options { $0.preset = "calibration"; $0.threads = "1" },
                               command: ["reclaim-bench", "run", "--preset", "calibration"], out: folder,
                               executor: PeerFixtureExecutor()).run()
        let results = try ResultSet(folder: folder)
        let peers = CalibrationAnalysis.peers(results.table)
        #expect(Set(peers.map(\.scheme)) == ["ebr", "hp", "qsbr", "rcu"])
        for row in peers {
            // 1.2 exactly in every repetition (the jitter is common to the pair).
            #expect(abs(row.schemeToPeer!.median - 1.2) < 1e-9, "\(row.shape.label) \(row.scheme)")
            let library = PeerFixtureExecutor.libraryRatio(readWork: row.shape.readWork)
            #expect(abs(row.peerToNone!.median - library) < 1e-9 && abs(row.schemeToNone!.median - library * 1.2) < 1e-9)
            #expect(row.schemeToPeer!.repetitions == 10)
            if row.shape.structure == "slot-table" && row.shape.writer == "max-rate" {
                #expect(abs(row.writerToPeer!.median - 2) < 1e-9, "\(row.shape.label) \(row.scheme)")
            } else {
                #expect(row.writerToPeer == nil, "\(row.shape.label) \(row.scheme): only max-rate cells compare writers")
            }
        }
        let calibration = CalibrationAnalysis.calibration(results.table)
        #expect(Set(calibration.map(\.scheme)) == ["ck-epoch", "ck-hp", "urcu-qsbr", "urcu-memb"])
        #expect(Set(calibration.map { $0.shape.writer }) == ["paced", "max-rate"])
        #expect(Set(calibration.map { $0.shape.readWork }) == [0, Matrix.calibrationReadWork])
        for row in calibration {
            let work = row.shape.readWork, library = PeerFixtureExecutor.libraryRatio(readWork: work)
            #expect(abs(row.cHarness!.median - library) < 1e-9 && abs(row.swiftCell!.median - library) < 1e-9)
            #expect(abs(row.cellOverHarness!.median - 1) < 1e-9)
            // One reader: 1/(library × none) − 1/none seconds a read (at repetition 1's
            // rates; the median over the jitter stays within 3 %): 10 ns in the C harness and
            // 5 ns in the Swift cell without read work.
            let none = { (harness: HarnessLanguage) in PeerFixtureExecutor.rate(.none, harness: harness, readWork: work) }
            let addedC = 1e9 * (1 / (library * none(.c)) - 1 / none(.c))
            let addedSwift = 1e9 * (1 / (library * none(.swift)) - 1 / none(.swift))
            #expect(abs(row.addedNanosecondsC!.median - addedC) < 0.03 * addedC
                    && abs(row.addedNanosecondsSwift!.median - addedSwift) < 0.03 * addedSwift, "\(row.shape.label)")
        }
        let text = try Summary.text(folder: URL(fileURLWithPath: folder), threads: 1, readPercent: 99)
        #expect(text.contains("Swift scheme ÷ its C library") && text.contains("Calibration:"))
        #expect(text.contains("1.20 [1.20–1.20]"), "\(text)")
        // The C harness's rows are calibration only: never a line of the ordinary charts.
        #expect(results.measured.allSatisfy { $0["harness"] != "c" })
        let figures = ChartCatalog.figures(results)
        let pairs = figures.filter { $0.file.hasPrefix("swift-vs-c-") }
        #expect(Set(pairs.map(\.file)) == ["swift-vs-c-hash-map-99pct.svg", "swift-vs-c-slot-table-paced.svg", "swift-vs-c-slot-table-max-rate.svg"])
        for figure in pairs {
            #expect(Set(figure.chart.series.compactMap(\.label)) == ["ebr ÷ ck-epoch", "hp ÷ ck-hp", "qsbr ÷ urcu-qsbr", "rcu ÷ urcu-memb"])
            #expect(figure.chart.series.allSatisfy { $0.points.allSatisfy { abs($0.y - 1.2) < 1e-9 } })
        }
        let calibrationCharts = figures.filter { $0.file.hasPrefix("calibration-") }
        // One per writer, and the paced writer's again with read work: each ratio pairs a
        // row with none's of the same harness, read work and repetition.
        #expect(Set(calibrationCharts.map(\.file))
                == ["calibration-slot-table-paced.svg", "calibration-slot-table-max-rate.svg",
                    "calibration-slot-table-paced-work\(Matrix.calibrationReadWork).svg"])
        for figure in calibrationCharts {
            let library = PeerFixtureExecutor.libraryRatio(readWork: figure.file.contains("-work") ? Matrix.calibrationReadWork : 0)
            #expect(figure.chart.series.count == 8)
            #expect(figure.chart.series.allSatisfy { $0.points.allSatisfy { abs($0.y - library) < 1e-9 } }, "\(figure.file)")
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    @Test("a runs.csv from before writer_cpu_s, harness, read_work and the knob columns is still read, those columns empty")
    func legacyColumns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reclaimbench-legacy-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let old = Array(ResultsSchema.runColumns.prefix(upTo: ResultsSchema.runColumns.firstIndex(of: "writer_cpu_s")!))
        let row = old.map { $0 == "scheme" ? "ebr" : $0 == "status" ? "ok" : "1" }
        try (old.joined(separator: ",") + "\n" + row.joined(separator: ",") + "\n")
            .write(to: folder.appendingPathComponent(ResultsFolder.runsFile), atomically: true, encoding: .utf8)
        let table = try RatioAnalysis.Table(folder: folder)
        #expect(table.rows.count == 1 && table.rows[0]["harness"] == "" && table.rows[0]["writer_cpu_s"] == ""
                && table.rows[0]["read_work"] == "" && table.rows[0]["knobs"] == "" && table.rows[0]["bag_capacity"] == "")
        #expect(table.rows[0]["scheme_counters"] == "1")
        // An empty knobs column is the defaults: the row stays in the analyses.
        #expect(RatioAnalysis.Table.atDefaults(table.rows[0]))
        // A header that is not a prefix of the documented columns is still refused.
        try (["scheme", "nonsense"].joined(separator: ",") + "\nebr,1\n")
            .write(to: folder.appendingPathComponent(ResultsFolder.runsFile), atomically: true, encoding: .utf8)
        #expect(throws: RunnerError.self) { _ = try RatioAnalysis.Table(folder: folder) }
        try? FileManager.default.removeItem(at: folder)
    }

    @Test("list says which schemes are C libraries, and names each Swift scheme's peer")
    func listShowsLibraries() {
        let rows = SchemeTable.rows()
        for row in rows {
            let id = SchemeID(rawValue: row.id)!
            #expect(row.implementation == (id.isCLibrary ? "C: \(id.descriptor.library!)" : "Swift"))
        }
        #expect(Set(rows.filter { $0.implementation.hasPrefix("C:") }.map(\.id)) == ["urcu-qsbr", "urcu-memb", "ck-epoch", "ck-hp"])
        let text = SchemeTable.table(rows)
        #expect(text.contains("ebr/ck-epoch") && text.contains("hp/ck-hp") && text.contains("qsbr/urcu-qsbr") && text.contains("rcu/urcu-memb"))
        #expect(SchemeTable.csv(rows).split(separator: "\n")[0].contains("implementation"))
    }

    @Test("read-cost reads sequential or random slots; the cell loops run for every scheme they support",
          arguments: TestedSchemes.all)
    func loops(scheme: SchemeID) {
        for pattern in ReadCost.Pattern.allCases {
            let result = ReadCost.run(schemes: [scheme], operations: 2048, repetitions: 1, pattern: pattern)
            #expect(result.count == 1 && result[0].nanoseconds.allSatisfy { $0 > 0 })
        }
        // Each slot holds its index: 512 reads of random slots sum to far more than 0 (a loop
        // whose index lost its randomness reads slot 0 only; that was a real bug, an
        // operator-precedence slip in `(draw >> 32) &* slots >> 32`).
        #expect(InstructionProbe.run(scheme, .slotTableCell, count: 512) > 512 * 100)
        if InstructionProbe.unsupportedReason(scheme, .mapCell) == nil {
            // Random keys over a map prefilled to half: about half the lookups hit (a fixed
            // key would hit all or none).
            let hits = InstructionProbe.run(scheme, .mapCell, count: 4096)
            #expect((1024...3072).contains(hits), "\(hits) hits in 4096 operations")
        }
    }
}
