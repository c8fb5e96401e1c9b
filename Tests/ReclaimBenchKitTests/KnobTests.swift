import Foundation
import Reclamation
import ReclaimBenchKit
import Testing
import TestSupport

/// Throughput by scheme and knob: none 100 M ops/s; a scheme at its defaults 0.5 of that;
/// at a swept bag capacity b, 0.5 × (1 + log₂(b / 64) / 10); at a swept qs interval i,
/// 0.5 × (1 + log₂ i / 20). Unreclaimed nodes = the bag capacity (or 64). Repetition r
/// scales everything by (1 + jitter[r]).
final class KnobFixtureExecutor: CellExecutor, @unchecked Sendable {
    static let jitter: [Double] = [0, 0.01, -0.02, 0.03, -0.01]

    static func ratio(_ spec: CellSpec) -> Double {
        if let bag = spec.knobs[.bagCapacity] { return 0.5 * (1 + log2(Double(bag) / 64) / 10) }
        if let interval = spec.knobs[.quiescentStateInterval] { return 0.5 * (1 + log2(Double(interval)) / 20) }
        return 0.5
    }

    func execute(_ spec: CellSpec) throws -> CellResult {
        var result = CellResult()
        result.elapsedSeconds = 1
        let none = 100e6 * (1 + Self.jitter[spec.repetition % Self.jitter.count])
        result.operations = Int(spec.scheme == .none ? none : none * Self.ratio(spec))
        result.reads = result.operations
        result.unreclaimedAverage = Double(spec.configuration.bagCapacity)
        return result
    }
}

@Suite(.watchdog, .serialized)
struct KnobTests {
    static func sweep(_ configure: (inout RunArguments) -> Void = { _ in }) throws -> RunOptions {
        try options {
            $0.schemes = "none,qsbr,ebr,hp"
            $0.structures = "hash-map"
            $0.workloads = "read-mostly"
            $0.threads = "2"
            $0.readPercent = "99"
            configure(&$0)
        }
    }

    @Test("a sweep adds each value but the default as a group of its own, with none and only the schemes that read the knob")
    func plan() throws {
        let plan = try Matrix.plan(Self.sweep {
            $0.knobs[.bagCapacity] = "16,64,256"
            $0.knobs[.quiescentStateInterval] = "8"
        })
        var groups: [String: Set<SchemeID>] = [:]
        for cell in plan.cells { groups[cell.knobsText, default: []].insert(cell.scheme) }
        #expect(groups == [
            "": [.none, .qsbr, .ebr, .hp],
            "bag_capacity=16": [.none, .qsbr, .ebr],
            "bag_capacity=256": [.none, .qsbr, .ebr],
            "qs_interval=8": [.none, .qsbr],
        ])
        // Each swept group is a group of its own (the ratio's none is the group's).
        #expect(Set(plan.cells.filter { $0.knobsText == "bag_capacity=16" }.map(\.group)).count == 1)
        #expect(Set(plan.cells.map(\.group)).count == 4)
        let cell = try #require(plan.cells.first { $0.knobsText == "bag_capacity=256" && $0.scheme == .qsbr })
        #expect(cell.configuration.bagCapacity == 256 && cell.configuration.quiescentStateInterval == 1)
        #expect(cell.label.contains("bag_capacity=256"))
        // A knob no chosen scheme reads adds nothing (none would run alone).
        let none = try Matrix.plan(Self.sweep { $0.schemes = "none,hp"; $0.knobs[.bagCapacity] = "16" })
        #expect(none.cells.allSatisfy { $0.knobs.isEmpty })
    }

    @Test("bad sweep values are usage errors naming the value and the range")
    func badValues() {
        for (knob, text, expected) in [(ReclaimerConfiguration.Knob.bagCapacity, "0", "--bag-capacity 0"),
                                       (.retireScanThreshold, "100,x", "--retire-scan-threshold 100,x"),
                                       (.quiescentStateInterval, "2000000", "--qs-interval 2000000"),
                                       (.gracePeriodInterval, "-1", "--gp-interval -1")] {
            do {
                _ = try Self.sweep { $0.knobs[knob] = text }
                Issue.record("\(text) was accepted")
            } catch let error as RunnerError {
                #expect(error.code == .usage && error.message.hasPrefix(expected) && error.message.contains("\(knob.allowed.lowerBound)–"),
                        "\(error.message)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
    }

    @Test("a cell runs its scheme at the cell's knobs: a bag of 1 seals far more bags per update than the default 64")
    func cellUsesKnobs() throws {
        let plan = try Matrix.plan(Self.sweep { $0.schemes = "qsbr"; $0.knobs[.bagCapacity] = "1" })
        var sealedPerUpdate: [Int: Double] = [:]
        for bag in [1, 64] {
            var spec = try #require(plan.cells.first { $0.scheme == .qsbr && $0.configuration.bagCapacity == bag })
            spec.durationSeconds = 0.05
            spec.warmupSeconds = 0.02
            // Long enough for 500 updates, however slow the machine (the window doubles).
            var result = CellExecution.run(spec)
            while result.status == .ok && result.updates < 500 && spec.durationSeconds < 10 {
                spec.durationSeconds *= 2
                result = CellExecution.run(spec)
            }
            #expect(result.status == .ok, "\(result.note)")
            let counters = Dictionary(uniqueKeysWithValues: result.schemeCounters.split(separator: " ").compactMap { pair -> (String, Double)? in
                let parts = pair.split(separator: "=")
                return parts.count == 2 ? (String(parts[0]), Double(parts[1]) ?? 0) : nil
            })
            let sealed = try #require(counters["bags_sealed"], "\(result.schemeCounters)")
            #expect(result.updates >= 500, "\(result.updates) updates in \(spec.durationSeconds) s")
            sealedPerUpdate[bag] = sealed / Double(max(result.updates, 1))
        }
        // A bag of b nodes is sealed once per b retires (and at flushes): 64 times as often.
        let one = try #require(sealedPerUpdate[1]), sixtyFour = try #require(sealedPerUpdate[64])
        #expect(one > 8 * sixtyFour, "bags sealed per update: bag 1 \(one), bag 64 \(sixtyFour)")
    }

    @Test("summarize and the charts: one point per value from the same group's none, the default from the default cells; the main ratios leave sweeps out")
    func analysis() throws {
        let folder = scratchFolder("knob-fixture")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let options = try Self.sweep {
            $0.knobs[.bagCapacity] = "16,256"
            $0.knobs[.quiescentStateInterval] = "16"
            $0.repetitions = 5
        }
        _ = try RunCoordinator(options: options, command: ["reclaim-bench", "run"], out: folder, executor: KnobFixtureExecutor()).run()
        let results = try ResultSet(folder: folder)
        let points = KnobAnalysis.points(results.sweepTable)
        func point(_ knob: ReclaimerConfiguration.Knob, _ scheme: String, _ value: Int) -> KnobAnalysis.Point? {
            points.first { $0.knob == knob && $0.scheme == scheme && $0.value == value }
        }
        for scheme in ["qsbr", "ebr"] {
            for (bag, expected) in [(16, 0.5 * (1 - 0.2)), (64, 0.5), (256, 0.5 * 1.2)] {
                let found = try #require(point(.bagCapacity, scheme, bag), "\(scheme) bag \(bag)")
                #expect(abs(found.ratio.median - expected) < 1e-9 && found.ratio.repetitions == 5, "\(scheme) bag \(bag): \(found.ratio)")
                #expect(found.isDefault == (bag == 64) && found.unreclaimedAverage == Double(bag))
                // ÷ the default, paired by repetition: the value's own effect (nil at the default).
                if bag == 64 {
                    #expect(found.toDefault == nil)
                } else {
                    let toDefault = try #require(found.toDefault)
                    #expect(abs(toDefault.median - expected / 0.5) < 1e-9 && toDefault.repetitions == 5, "\(toDefault)")
                }
            }
        }
        #expect(point(.bagCapacity, "hp", 64) == nil, "hp does not read the bag capacity")
        #expect(abs(try #require(point(.quiescentStateInterval, "qsbr", 16)).ratio.median - 0.5 * 1.2) < 1e-9)
        #expect(points.filter { $0.knob == .quiescentStateInterval }.map(\.scheme) == ["qsbr", "qsbr"])
        // Everything else compares schemes at the defaults only.
        let main = RatioAnalysis.ratiosToNone(results.table) { _ in true }
        #expect(main.allSatisfy { abs($0.median - 0.5) < 1e-9 }, "\(main)")
        #expect(results.measured.allSatisfy { $0["knobs"].isEmpty })
        let text = try Summary.text(folder: URL(fileURLWithPath: folder), threads: 2, readPercent: 99)
        #expect(text.contains("Knob sweeps") && text.contains("64 *"), "\(text)")
        let figures = ChartCatalog.figures(results).filter { $0.file.hasPrefix("knob-") }
        #expect(Set(figures.map(\.file)) == ["knob-bag-capacity-read-mostly-hash-map-2threads-99-lookups.svg",
                                             "knob-qs-interval-read-mostly-hash-map-2threads-99-lookups.svg"])
        let bags = try #require(figures.first { $0.file.contains("bag-capacity") })
        #expect(Set(bags.chart.series.map(\.scheme)) == ["ebr", "qsbr"])
        #expect(bags.chart.series.allSatisfy { $0.points.count == 3 })
    }
    @Test("summarize holds each scheme to its target, and hp-percpu to hp in the same cells")
    func targets() throws {
        let folder = scratchFolder("targets-fixture")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let options = try Self.sweep { $0.schemes = "none,ebr,hp,hp-percpu"; $0.repetitions = 5 }
        _ = try RunCoordinator(options: options, command: ["reclaim-bench", "run"], out: folder, executor: KnobFixtureExecutor()).run()
        let text = try Summary.text(folder: URL(fileURLWithPath: folder), threads: 2, readPercent: 99)
        // Every scheme at 0.5 of none: ebr misses its 0.92, hp its 0.75; hp-percpu ties hp.
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("ebr ") && $0.contains("≥ 0.92") && $0.contains("missed") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("hp ") && $0.contains("≥ 0.75") && $0.contains("missed") }, "\(text)")
        #expect(lines.contains("hp-percpu ÷ hp (paired by repetition): 1.000 [1.000–1.000], 5 repetitions, target ≥ 1.00: met"), "\(text)")
    }
}
