import Foundation
import Reclamation

/// Knob sweeps (`run --bag-capacity 16,64,256` …): for each scheme that reads a swept knob,
/// in each cell shape, one point per value — throughput as a ratio to `none` of the same
/// group and repetition, with the memory and reclamation latency that bought it. The
/// default value's point comes from the cells at the defaults, so a sweep shows where the
/// default sits on its own curve.
public enum KnobAnalysis {
    public struct Point: Sendable {
        public var knob: ReclaimerConfiguration.Knob
        public var value: Int
        public var isDefault: Bool
        /// Cell label without the knob ("hash map, 2 threads, 99 % lookups").
        public var cell: String
        public var scheme: String
        public var ratio: RatioAnalysis.Estimate
        /// This value's ratio to none ÷ the default value's, paired by repetition (nil for
        /// the default): the loss or gain the value itself makes, with its interval.
        public var toDefault: RatioAnalysis.Estimate?
        /// Medians over the repetitions.
        public var allocatedAverageBytes: Double
        public var unreclaimedAverage: Double
        public var retireFreeP99Nanoseconds: Double
    }

    /// The knob a row was run at away from its default, if any (the `knobs` column holds
    /// one `name=value` per swept cell; a sweep changes one knob at a time).
    static func override(_ row: [String: String]) -> (ReclaimerConfiguration.Knob, Int)? {
        guard let text = row["knobs"], !text.isEmpty else { return nil }
        let parts = text.split(separator: "=")
        guard parts.count == 2, let knob = ReclaimerConfiguration.Knob(rawValue: String(parts[0])),
              let value = Int(parts[1]) else { return nil }
        return (knob, value)
    }

    /// The columns that make two rows the same cell but for scheme, knob and repetition.
    static let shapeColumns = ["workload", "structure", "threads", "read_percent", "key_range", "writer", "writer_period_us",
                               "overcommit_factor", "stalled_reader", "sampler", "harness", "read_work"]

    static func cellLabel(_ row: [String: String]) -> String {
        var parts = [row["workload"] ?? "", row["structure"] ?? "", "\(row["threads"] ?? "") threads"]
        if row["structure"] == "hash-map" { parts.append("\(row["read_percent"] ?? "") % lookups") }
        if let writer = row["writer"], !writer.isEmpty, writer != "none" { parts.append("writer \(writer)") }
        if row["overcommit_factor"] != "0", let factor = row["overcommit_factor"] { parts.append("\(factor)× CPUs") }
        if row["stalled_reader"] == "true" { parts.append("stalled reader") }
        if row["harness"] == "c" { parts.append("C harness") }
        if let work = row["read_work"], work != "0", !work.isEmpty { parts.append("read work \(work)") }
        return parts.joined(separator: ", ")
    }

    /// Every swept knob's points, in knob, cell, scheme and value order. `table` must hold
    /// every row, the swept ones included (`RatioAnalysis.Table(folder:includingSweeps:)`).
    public static func points(_ table: RatioAnalysis.Table) -> [Point] {
        let rows = table.rows.filter { $0["status"] == "ok" }
        let swept = Set(rows.compactMap { override($0)?.0 })
        guard !swept.isEmpty else { return [] }
        let defaults = ReclaimerConfiguration()
        let shape = { (row: [String: String]) in shapeColumns.map { row[$0] ?? "" } }
        var points: [Point] = []
        for knob in ReclaimerConfiguration.Knob.allCases where swept.contains(knob) {
            // The sweep's shapes, and for each the rows at each value: the defaults' rows
            // stand for the default value.
            let sweptShapes = Set(rows.filter { override($0)?.0 == knob }.map(shape))
            for cellShape in sweptShapes.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let inShape = rows.filter { shape($0) == cellShape }
                var byValue: [Int: [[String: String]]] = [:]
                for row in inShape {
                    if let (rowKnob, value) = override(row) {
                        if rowKnob == knob { byValue[value, default: []].append(row) }
                    } else {
                        byValue[defaults[knob], default: []].append(row)
                    }
                }
                let schemes = Set(inShape.compactMap { row -> String? in
                    guard let scheme = row["scheme"], scheme != "none", let id = SchemeID(rawValue: scheme),
                          id.descriptor.knobs.contains(knob) else { return nil }
                    return scheme
                })
                for scheme in schemes.sorted() {
                    let perRepetition = byValue.mapValues { ratiosByRepetition($0, scheme: scheme) }
                    for (value, group) in byValue.sorted(by: { $0.key < $1.key }) {
                        let own = group.filter { $0["scheme"] == scheme }
                        let ratios = perRepetition[value] ?? [:]
                        guard !own.isEmpty, let ratio = CalibrationAnalysis.estimate(
                            scheme, ratios.keys.sorted().map { ratios[$0]! }, seed: 1) else { continue }
                        func median(_ column: String) -> Double {
                            RatioAnalysis.median(own.compactMap { Double($0[column] ?? "") })
                        }
                        let isDefault = value == defaults[knob]
                        let toDefault = isDefault ? nil : CalibrationAnalysis.estimate(
                            scheme, CalibrationAnalysis.paired(perRepetition[value] ?? [:], perRepetition[defaults[knob]] ?? [:], /),
                            seed: 10)
                        points.append(Point(
                            knob: knob, value: value, isDefault: isDefault, cell: cellLabel(own[0]),
                            scheme: scheme, ratio: ratio, toDefault: toDefault, allocatedAverageBytes: median("allocated_avg_bytes"),
                            unreclaimedAverage: median("unreclaimed_avg"), retireFreeP99Nanoseconds: median("retire_free_p99_ns")))
                    }
                }
            }
        }
        return points
    }

    /// repetition → `scheme`'s metric ÷ none's, within one group of rows (one knob value).
    static func ratiosByRepetition(_ rows: [[String: String]], scheme: String) -> [String: Double] {
        let metric = metric(rows)
        var none: [String: Double] = [:], own: [String: Double] = [:]
        for row in rows {
            guard let value = Double(row[metric] ?? ""), value > 0 else { continue }
            let key = "\(row["group"] ?? "")/\(row["repetition"] ?? "")"
            if row["scheme"] == "none" { none[key] = value } else if row["scheme"] == scheme { own[key] = value }
        }
        var byRepetition: [String: Double] = [:]
        for (key, value) in own {
            guard let base = none[key] else { continue }
            byRepetition[String(key.split(separator: "/").last ?? "")] = value / base
        }
        return byRepetition
    }

    /// Readers' throughput in the slot-table cells (the writer is apart), operations elsewhere.
    static func metric(_ rows: [[String: String]]) -> String {
        rows.first?["structure"] == "slot-table" ? "reads_per_s" : "ops_per_s"
    }

    /// The `summarize` section, or "" without a sweep.
    public static func text(_ table: RatioAnalysis.Table) -> String {
        let points = points(table)
        guard !points.isEmpty else { return "" }
        var text = "Knob sweeps: throughput ÷ none (same group and repetition; median [95 % bootstrap interval]), that ratio ÷ the default value's (paired by repetition), and the memory and reclamation latency it costs; * = the default\n"
        text += TextTable.render(
            header: ["knob", "cell", "scheme", "value", "÷ none", "÷ default", "allocated (avg)", "unreclaimed (avg)", "retire→free p99",
                     "repetitions"],
            rows: points.map { point in
                [point.knob.rawValue, point.cell, point.scheme, "\(point.value)\(point.isDefault ? " *" : "")",
                 String(format: "%.2f [%.2f–%.2f]", point.ratio.median, point.ratio.low, point.ratio.high),
                 point.toDefault.map { String(format: "%.2f [%.2f–%.2f]", $0.median, $0.low, $0.high) } ?? "-",
                 String(format: "%.1f MB", point.allocatedAverageBytes / 1e6), String(format: "%.0f", point.unreclaimedAverage),
                 point.retireFreeP99Nanoseconds > 0 ? String(format: "%.1f µs", point.retireFreeP99Nanoseconds / 1e3) : "-",
                 String(point.ratio.repetitions)]
            })
        return text
    }
}
