import Foundation

/// What `reclaim-bench summarize` prints for a results folder: the read-mostly hash map's
/// ratios to `none` against the targets, each Swift scheme against its C library and the
/// calibration of the C libraries (CalibrationAnalysis), and the sampler's effect.
public enum Summary {
    /// Ratio to `none` each scheme should reach on the read-mostly hash map (2 threads,
    /// 99 % lookups): the issues' targets.
    public static let targets: [String: Double] = ["qsbr": 0.97, "ebr": 0.92, "rcu": 0.90, "hp-asym": 0.90, "hp": 0.75]

    /// Goals between two schemes in the same cells: (scheme, against) should reach 1.
    public static let relativeTargets: [(scheme: String, against: String)] = [("hp-percpu", "hp")]

    /// The summary; a data error (65) when the folder holds nothing it can summarize.
    public static func text(folder: URL, threads: Int, readPercent: Int) throws(RunnerError) -> String {
        let table = try RatioAnalysis.Table(folder: folder)
        var sections: [String] = []
        let inCell = { (row: [String: String]) in
            row["workload"] == "read-mostly" && row["structure"] == "hash-map" && row["threads"] == String(threads)
                && row["read_percent"] == String(readPercent) && row["sampler"] == "true" && row["harness"] != "c"
        }
        let estimates = RatioAnalysis.ratiosToNone(table, where: inCell)
        if !estimates.isEmpty {
            var text = "read-mostly hash map, \(threads) threads, \(readPercent) % reads: ops/s as a ratio to none (paired by repetition)\n"
            text += TextTable.render(
                header: ["scheme", "median", "95 % interval", "repetitions", "target", "verdict"],
                rows: estimates.map { estimate in
                    let target = targets[estimate.scheme]
                    return [estimate.scheme, String(format: "%.3f", estimate.median),
                            String(format: "%.3f–%.3f", estimate.low, estimate.high), String(estimate.repetitions),
                            target.map { String(format: "≥ %.2f", $0) } ?? "-",
                            target.map { RatioAnalysis.verdict(estimate, target: $0).rawValue } ?? "-"]
                })
            for goal in relativeTargets {
                var values: [String: [String: Double]] = [:]  // scheme → group/repetition → ops/s
                for row in table.rows where row["status"] == "ok" && inCell(row) {
                    if let scheme = row["scheme"], let value = Double(row["ops_per_s"] ?? ""), value > 0 {
                        values[scheme, default: [:]]["\(row["group"] ?? "")/\(row["repetition"] ?? "")"] = value
                    }
                }
                let ratios = CalibrationAnalysis.paired(values[goal.scheme] ?? [:], values[goal.against] ?? [:], /)
                guard let estimate = CalibrationAnalysis.estimate(goal.scheme, ratios, seed: 9) else { continue }
                let interval = String(format: "%.3f [%.3f–%.3f]", estimate.median, estimate.low, estimate.high)
                text += "\(goal.scheme) ÷ \(goal.against) (paired by repetition): \(interval), \(estimate.repetitions) repetitions, "
                    + "target ≥ 1.00: \(RatioAnalysis.verdict(estimate, target: 1).rawValue)\n"
            }
            sections.append(text)
        }
        let calibration = CalibrationAnalysis.text(table)
        if !calibration.isEmpty { sections.append(calibration) }
        let knobs = KnobAnalysis.text(try RatioAnalysis.Table(folder: folder, includingSweeps: true))
        if !knobs.isEmpty { sections.append(knobs) }
        let effect = RatioAnalysis.samplerEffect(table)
        if !effect.isEmpty {
            var text = "sampler off ÷ sampler on (medians over repetitions; 1.00 = no effect)\n"
            text += TextTable.render(
                header: ["scheme", "throughput", "allocated at window end", "p99 latency"],
                rows: effect.map { [$0.scheme, String(format: "%.3f", $0.throughput), String(format: "%.3f", $0.memory),
                                    String(format: "%.3f", $0.p99)] })
            sections.append(text)
        }
        guard !sections.isEmpty else {
            throw RunnerError(.data, "\(folder.path): no read-mostly hash-map cells with \(threads) threads and \(readPercent) % reads, no Swift scheme beside its C library and no C-harness cells: nothing to summarize")
        }
        return sections.joined(separator: "\n")
    }
}
