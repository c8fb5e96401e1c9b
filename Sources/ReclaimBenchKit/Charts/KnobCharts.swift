import Reclamation

extension ChartCatalog {
    /// One chart per swept knob and cell: each scheme that reads the knob is a line through
    /// its values, throughput ÷ none (y) against the memory it held back (x, unreclaimed
    /// nodes averaged over the window: the structure's own nodes are the same at every
    /// value), so a trade-off reads as a curve and the default as one point on it.
    static func knobSweeps(_ results: ResultSet) -> [ChartFigure] {
        let points = KnobAnalysis.points(results.sweepTable)
        var figures: [ChartFigure] = []
        let keys = points.map { "\($0.knob.rawValue)|\($0.cell)" }
        var seen: Set<String> = []
        for key in keys where seen.insert(key).inserted {
            let chosen = points.filter { "\($0.knob.rawValue)|\($0.cell)" == key }
            guard let first = chosen.first else { continue }
            var series: [LineChart.Series] = []
            for scheme in Set(chosen.map(\.scheme)).sorted() {
                let own = chosen.filter { $0.scheme == scheme }
                let values = own.map { "\($0.value)\($0.isDefault ? "*" : "")" }.joined(separator: ", ")
                series.append(LineChart.Series(
                    scheme: scheme,
                    points: own.map { LineChart.Point(x: max($0.unreclaimedAverage, 1), y: $0.ratio.median,
                                                      spread: $0.ratio.low...$0.ratio.high) },
                    label: "\(scheme) (\(values))"))
            }
            var chart = LineChart(
                title: "\(first.knob.rawValue) sweep: \(first.cell)",
                subtitle: [results.presetLabel, "a point per value (legend; * = default)", "band: 95 % bootstrap interval of the ratio"]
                    .joined(separator: " · "),
                x: .init(title: "unreclaimed nodes, window average (log scale)", format: .count, scale: .log(floor: 1)),
                y: .init(title: "throughput ÷ none's (same group and repetition)", format: .ratio, scale: .linear(includeZero: true)),
                series: series)
            chart.referenceY = 1
            figures.append(ChartFigure(
                file: fileName("knob", first.knob.rawValue, first.cell.replacingOccurrences(of: " ", with: "")),
                section: section.knobs,
                caption: "Sweeping \(first.knob.rawValue) (\(RunOptions.flag(first.knob))): what each value buys in throughput and costs in memory, for the schemes that read it.",
                chart: chart))
        }
        return figures
    }
}
