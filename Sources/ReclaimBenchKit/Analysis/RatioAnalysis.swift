import Foundation
import ReclaimBenchSupport
import Reclamation

/// Ratios of a scheme's measurement to `none`'s, paired by repetition (the same group of
/// cells run back to back in the same repetition), with a bootstrap confidence interval of
/// the median ratio. On a noisy 2-core VM, differences under ~1.5× between single runs mean
/// nothing; the interval says how much the repetitions agree.
public enum RatioAnalysis {
    public struct Estimate: Sendable, Equatable {
        public var scheme: String
        public var median: Double
        /// 95 % bootstrap interval of the median.
        public var low: Double
        public var high: Double
        public var repetitions: Int
    }

    public enum Verdict: String, Sendable {
        case met, missed, inconclusive
        case tooFewRepetitions = "too few repetitions"
    }

    /// Fewer repetitions than this decide nothing (a bootstrap of one or two values is
    /// not an interval).
    public static let minimumRepetitions = 3

    /// met: the whole interval is at or above the target; missed: the whole interval is
    /// below; otherwise inconclusive.
    public static func verdict(_ estimate: Estimate, target: Double) -> Verdict {
        if estimate.repetitions < minimumRepetitions { return .tooFewRepetitions }
        if estimate.low >= target { return .met }
        if estimate.high < target { return .missed }
        return .inconclusive
    }

    /// The results of a folder, by column name.
    public struct Table {
        public let rows: [[String: String]]

        /// The rows at the default configuration; with `includingSweeps`, a knob sweep's
        /// rows too (KnobAnalysis: every other analysis compares schemes at the defaults).
        public init(folder: URL, includingSweeps: Bool = false) throws(RunnerError) {
            let file = try CSVFile.read(folder.appendingPathComponent(ResultsFolder.runsFile), expecting: ResultsSchema.runColumns)
            let rows = file.rows.map { Dictionary(uniqueKeysWithValues: zip(file.header, $0)) }
            self.rows = includingSweeps ? rows : rows.filter(Self.atDefaults)
        }

        /// Whether a row ran at the default configuration (an empty `knobs` column).
        public static func atDefaults(_ row: [String: String]) -> Bool { (row["knobs"] ?? "").isEmpty }

        public init(rows: [[String: String]]) { self.rows = rows }
    }

    /// Ratios of `metric` to `none` for the rows that `filter` keeps.
    public static func ratiosToNone(
        _ table: Table, metric: String = "ops_per_s", where filter: ([String: String]) -> Bool, seed: UInt64 = 1
    ) -> [Estimate] {
        let rows = table.rows.filter { filter($0) && $0["status"] == "ok" }
        var baseline: [String: Double] = [:]  // "group/repetition" → none's value
        for row in rows where row["scheme"] == "none" {
            baseline["\(row["group"] ?? "")/\(row["repetition"] ?? "")"] = Double(row[metric] ?? "")
        }
        var ratios: [String: [Double]] = [:]
        for row in rows where row["scheme"] != "none" {
            guard let value = Double(row[metric] ?? ""),
                  let none = baseline["\(row["group"] ?? "")/\(row["repetition"] ?? "")"], none > 0 else { continue }
            ratios[row["scheme"] ?? "", default: []].append(value / none)
        }
        var random = SplitMix64(seed: seed)
        return ratios.keys.sorted().map { scheme in
            let values = ratios[scheme]!
            let (low, high) = bootstrapMedianInterval(values, resamples: 10_000, random: &random)
            return Estimate(scheme: scheme, median: median(values), low: low, high: high, repetitions: values.count)
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Percentile bootstrap of the median: resample with replacement, take the 2.5th and
    /// 97.5th percentiles of the resampled medians. The values are sorted first, so the
    /// same data and seed give the same interval in whatever order the caller gathered them
    /// (a dictionary's order differs from one process to the next).
    public static func bootstrapMedianInterval(_ values: [Double], resamples: Int, random: inout SplitMix64) -> (Double, Double) {
        guard values.count > 1 else { return (values.first ?? .nan, values.first ?? .nan) }
        let values = values.sorted()
        var medians: [Double] = []
        medians.reserveCapacity(resamples)
        var sample = [Double](repeating: 0, count: values.count)
        for _ in 0..<resamples {
            for index in sample.indices { sample[index] = values[random.below(values.count)] }
            medians.append(median(sample))
        }
        medians.sort()
        return (medians[Int(0.025 * Double(resamples))], medians[min(resamples - 1, Int(0.975 * Double(resamples)))])
    }

    /// The sampler's effect: the same cells with the sampler off against on, per scheme —
    /// median ratios (off / on) of throughput, memory at the window's end and p99 latency.
    public static func samplerEffect(_ table: Table) -> [(scheme: String, throughput: Double, memory: Double, p99: Double)] {
        // The sampler-effect cells: sampler off in a shape that also ran with it on (the
        // calibration preset turns the sampler off in cells that have no such twin).
        let shape = { (row: [String: String]) in
            ["workload", "structure", "threads", "read_percent", "key_range", "writer", "harness"].map { row[$0] ?? "" }
        }
        let onShapes = Set(table.rows.filter { $0["sampler"] == "true" && $0["status"] == "ok" }.map(shape))
        let twins = table.rows.filter { $0["sampler"] == "false" && $0["status"] == "ok" && onShapes.contains(shape($0)) }
        guard let sample = twins.first else { return [] }
        let off = twins.filter { shape($0) == shape(sample) }
        let on = table.rows.filter { $0["sampler"] == "true" && $0["status"] == "ok" && shape($0) == shape(sample) }
        return Set(off.map { $0["scheme"] ?? "" }).sorted().map { scheme in
            func ratio(_ column: String) -> Double {
                let pairs = off.filter { $0["scheme"] == scheme }.compactMap { row -> Double? in
                    guard let match = on.first(where: { $0["scheme"] == scheme && $0["repetition"] == row["repetition"] }),
                          let a = Double(row[column] ?? ""), let b = Double(match[column] ?? ""), b > 0 else { return nil }
                    return a / b
                }
                return median(pairs)
            }
            return (scheme, ratio("ops_per_s"), ratio("allocated_end_bytes"), ratio("latency_p99_ns"))
        }
    }
}
