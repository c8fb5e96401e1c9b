import Foundation

/// The report's short generated summary: for each workload variant, at one measured point,
/// the fastest scheme, the most memory-frugal and the one with the largest tail — medians
/// over repetitions, `none` named beside them but never a winner (it does not reclaim).
public enum WorkloadSummary {
    public struct Line: Sendable, Equatable {
        /// "read-mostly, hash map, 99 % lookups, 2 threads".
        public var scenario: String
        public var fastest: String
        public var frugal: String
        public var tail: String
    }

    struct Scenario {
        var title: String
        var rows: [ResultRow]
        var speed: (column: String, unit: String)
        var tail: (column: String, label: String)
    }

    public static func lines(_ results: ResultSet) -> [Line] {
        scenarios(results).compactMap { line($0, results) }
    }

    /// The point each summary speaks for: the largest thread count not above the CPUs (the
    /// machine's own parallelism), else the smallest measured.
    static func point(_ rows: [ResultRow], cpus: Int) -> Int? {
        let threads = Set(rows.compactMap { $0.integer("threads") })
        return threads.filter { $0 <= cpus }.max() ?? threads.min()
    }

    static func scenarios(_ results: ResultSet) -> [Scenario] {
        let measured = results.measured
        var scenarios: [Scenario] = []
        let keyed = ResultSet.keyedReadMostly(measured)
        for structure in ResultSet.structures(keyed) {
            let map = keyed.filter { $0["structure"] == structure }
            for percent in Set(map.compactMap { $0.integer("read_percent") }).sorted() {
                let rows = map.filter { $0.integer("read_percent") == percent }
                guard let threads = point(rows, cpus: results.cpus) else { continue }
                scenarios.append(Scenario(
                    title: "read-mostly, \(structure), \(percent) % lookups, \(threads) threads",
                    rows: rows.filter { $0.integer("threads") == threads },
                    speed: ("ops_per_s", "ops/s"), tail: ("latency_p999_ns", "operation p99.9")))
            }
        }
        let slots = ResultSet.slotReadMostly(measured)
        for structure in ResultSet.structures(slots) {
            for writer in ["paced", "max-rate"] {
                let rows = slots.filter { $0["structure"] == structure && $0["writer"] == writer }
                guard let threads = point(rows, cpus: results.cpus) else { continue }
                scenarios.append(Scenario(
                    title: "read-mostly, \(structure), writer \(writer), \(threads) threads",
                    rows: rows.filter { $0.integer("threads") == threads },
                    speed: ("reads_per_s", "reads/s"), tail: ("latency_p999_ns", "read p99.9")))
            }
        }
        let latency = ResultSet.reclaimLatency(measured)
        for structure in ResultSet.structures(latency) {
            let rows = latency.filter { $0["structure"] == structure }
            guard let threads = point(rows, cpus: results.cpus) else { continue }
            scenarios.append(Scenario(
                title: "reclaim-latency, \(structure), \(threads) threads",
                rows: rows.filter { $0.integer("threads") == threads },
                speed: ("updates_per_s", "updates/s"), tail: ("retire_free_p99_ns", "retire→free p99")))
        }
        let overcommit = measured.filter { $0["workload"] == "overcommit" && $0["stalled_reader"] == "false" }
        if let factor = overcommit.compactMap({ $0.integer("overcommit_factor") }).max() {
            scenarios.append(Scenario(
                title: "overcommit, \(factor)× CPUs, sleeping readers",
                rows: overcommit.filter { $0.integer("overcommit_factor") == factor },
                speed: ("reads_per_s", "reads/s"), tail: ("latency_p999_ns", "read p99.9")))
        }
        let stalled = measured.filter { $0["workload"] == "overcommit" && $0["stalled_reader"] == "true" }
        if !stalled.isEmpty {
            scenarios.append(Scenario(
                title: "overcommit, \(stalled[0]["overcommit_factor"])× CPUs, one reader stalled in a guard",
                rows: stalled, speed: ("reads_per_s", "reads/s"), tail: ("latency_p999_ns", "read p99.9")))
        }
        return scenarios
    }

    /// Median of `column` per scheme.
    static func medians(_ rows: [ResultRow], _ column: String) -> [(scheme: String, value: Double)] {
        Dictionary(grouping: rows, by: { $0["scheme"] }).compactMap { scheme, rows in
            Spread(rows.compactMap { $0.number(column) }).map { (scheme, $0.median) }
        }.sorted { $0.scheme < $1.scheme }
    }

    static func line(_ scenario: Scenario, _ results: ResultSet) -> Line? {
        let speed = medians(scenario.rows, scenario.speed.column)
        let memory = medians(scenario.rows, "allocated_peak_bytes")
        let tail = medians(scenario.rows, scenario.tail.column).filter { $0.value > 0 }
        let candidates = speed.filter { $0.scheme != "none" }
        guard let fastest = candidates.max(by: { $0.value < $1.value }) else { return nil }
        let baseline = speed.first { $0.scheme == "none" }
        var fastestText = "\(fastest.scheme) (\(ChartValueFormat.count.string(fastest.value)) \(scenario.speed.unit)"
        if let baseline, baseline.value > 0 {
            fastestText += String(format: ", %.2f× none", fastest.value / baseline.value)
        }
        fastestText += ")"
        let frugal = memory.filter { $0.scheme != "none" }.min { $0.value < $1.value }
        let worst = tail.filter { $0.scheme != "none" }.max { $0.value < $1.value }
        let memoryUnit = ChartValueFormat.bytes
        let leaking = Set(scenario.rows.filter { $0["memory_verdict"] == "leaking" }.map { $0["scheme"] }).subtracting(["none"]).sorted()
        var frugalText = frugal.map { "\($0.scheme) (\(memoryUnit.string($0.value)) peak allocated)" } ?? "–"
        if !leaking.isEmpty { frugalText += "; leaking: " + leaking.joined(separator: ", ") }
        return Line(
            scenario: scenario.title, fastest: fastestText, frugal: frugalText,
            tail: worst.map { "\($0.scheme) (\(scenario.tail.label) \(ChartValueFormat.nanoseconds.string($0.value)))" } ?? "–")
    }
}
