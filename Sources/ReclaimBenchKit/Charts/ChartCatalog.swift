import Foundation
import ReclaimBenchSupport
import Reclamation

/// One chart of a results folder: where it goes, the report section it belongs to and
/// what its caption says.
public struct ChartFigure: Sendable {
    public var file: String
    public var section: String
    public var caption: String
    public var chart: LineChart
}

/// Every chart a results folder supports, drawn only from its CSV files and manifest:
/// throughput vs threads, memory vs threads, memory over time, retire→free CDFs and
/// overcommit degradation. A chart whose rows are absent (a filtered run) is left out.
public enum ChartCatalog {
    public static let section = (
        throughput: "Throughput", memory: "Memory vs threads", time: "Memory over time",
        latency: "Retire → free latency", overcommit: "Overcommit", swiftVersusC: "Swift vs C",
        knobs: "Knob sweeps: throughput against memory"
    )

    // MARK: subtitles and shading

    static func subtitle(_ results: ResultSet, _ rows: [ResultRow], extra: String = "") -> String {
        let repetitions = Set(rows.map { $0["repetition"] }).count
        return [results.presetLabel, "\(repetitions) repetition\(repetitions == 1 ? "" : "s")",
                "line: median, band: min–max", extra].filter { !$0.isEmpty }.joined(separator: " · ")
    }

    static func overThreads(_ results: ResultSet) -> LineChart.Region {
        LineChart.Region(from: Double(results.cpus), label: "more threads than CPUs (\(results.cpus))")
    }

    static let threadsAxis = LineChart.Axis(title: "threads (log₂ scale)", format: .plain, scale: .log2)

    static func fileName(_ parts: String...) -> String {
        parts.filter { !$0.isEmpty }.joined(separator: "-")
            .map { $0.isLetter || $0.isNumber || $0 == "-" ? String($0) : "-" }.joined() + ".svg"
    }

    /// Median and range of `metric` per scheme per x, over the rows' repetitions.
    static func series(
        _ results: ResultSet, _ rows: [ResultRow], x: (ResultRow) -> Double?, y: (ResultRow) -> Double?
    ) -> [LineChart.Series] {
        results.schemes.compactMap { scheme in
            var byX: [Double: [Double]] = [:]
            for row in rows where row["scheme"] == scheme {
                guard let xValue = x(row), let yValue = y(row) else { continue }
                byX[xValue, default: []].append(yValue)
            }
            let points = byX.keys.sorted().compactMap { key in
                Spread(byX[key]!).map { LineChart.Point(x: key, y: $0.median, spread: $0.range) }
            }
            return points.isEmpty ? nil : LineChart.Series(scheme: scheme, points: points)
        }
    }

    // MARK: memory vs threads (read-mostly's and reclaim-latency's)

    /// Peak unreclaimed nodes and peak allocated bytes against threads for one structure's
    /// cells of `workload` (`lookups`: the read-mostly cells' lookup percentage).
    static func memoryVsThreads(_ results: ResultSet, workload: WorkloadID, structure: String, cells: [ResultRow],
                                lookups: Int? = nil) -> [ChartFigure] {
        let variant = lookups.map { ", \($0) % lookups" } ?? ""
        var unreclaimed = LineChart(
            title: "\(workload), \(structure)\(variant): peak unreclaimed nodes",
            subtitle: subtitle(results, cells, extra: "log scale"),
            x: threadsAxis, y: .init(title: "peak unreclaimed (nodes, retired − freed)", format: .count, scale: .log(floor: 1)),
            series: series(results, cells, x: { $0.number("threads") }, y: { $0.number("unreclaimed_peak") }))
        unreclaimed.shaded = [overThreads(results)]
        var allocated = LineChart(
            title: "\(workload), \(structure)\(variant): peak allocated bytes",
            subtitle: subtitle(results, cells, extra: "jemalloc stats.allocated, log scale"),
            x: threadsAxis, y: .init(title: "peak allocated (bytes)", format: .bytes, scale: .log(floor: 1000)),
            series: series(results, cells, x: { $0.number("threads") }, y: { $0.number("allocated_peak_bytes") }))
        allocated.shaded = [overThreads(results)]
        let tag = lookups.map { "\($0)pct" } ?? ""
        return [
            ChartFigure(
                file: fileName("unreclaimed", workload.rawValue, structure, tag), section: section.memory,
                caption: "Largest retired − freed the sampler saw (every 1 ms) against threads. `none` never frees: its line is the garbage every scheme starts from.",
                chart: unreclaimed),
            ChartFigure(
                file: fileName("allocated", workload.rawValue, structure, tag), section: section.memory,
                caption: "Largest jemalloc `stats.allocated` the sampler saw (every 10 ms) against threads: live nodes, garbage and the suite's own buffers.",
                chart: allocated),
        ]
    }

    /// The axes of the memory-over-time charts.
    static let timeAxis = LineChart.Axis(title: "time in the measured window (s)", format: .plain, scale: .linear(includeZero: true))
    static let bytesOverTimeAxis = LineChart.Axis(title: "allocated (bytes, jemalloc stats.allocated)", format: .bytes, scale: .log(floor: 1_000_000))

    // MARK: memory over time

    /// Median and range over repetitions of allocated bytes in 20 ms bins.
    static func timeSeries(_ results: ResultSet, cells: [ResultRow], binMilliseconds: Double = 20) -> [LineChart.Series] {
        let cellIDs = Set(cells.map { $0["cell"] })
        let points = results.series.filter { cellIDs.contains($0["cell"]) }
        return results.schemes.compactMap { scheme in
            var bins: [Double: [String: Double]] = [:]  // bin → cell → last value in the bin
            for point in points where point["scheme"] == scheme {
                guard let t = point.number("t_ms"), let bytes = point.number("allocated_bytes") else { continue }
                bins[(t / binMilliseconds).rounded(.down) * binMilliseconds, default: [:]][point["cell"]] = bytes
            }
            let line = bins.keys.sorted().compactMap { bin in
                Spread(Array(bins[bin]!.values)).map { LineChart.Point(x: bin / 1000, y: $0.median, spread: $0.range) }
            }
            return line.isEmpty ? nil : LineChart.Series(scheme: scheme, points: line)
        }
    }

    // MARK: Swift vs C

    /// Median and 95 % bootstrap interval of paired ratios per x (pairs: same cell group
    /// and repetition, or — across harnesses — same repetition).
    static func ratioPoint(x: Double, _ values: [Double]) -> LineChart.Point? {
        guard !values.isEmpty else { return nil }
        var random = SplitMix64(seed: 1)
        let (low, high) = RatioAnalysis.bootstrapMedianInterval(values, resamples: 2000, random: &random)
        return LineChart.Point(x: x, y: RatioAnalysis.median(values), spread: values.count > 1 ? low...high : nil)
    }

    /// Each Swift scheme's throughput ÷ its C library's in every workload that ran both:
    /// x = threads (overcommit: k × CPUs), one line per pair, 1 = as fast as the C library.
    static func swiftVersusC(_ results: ResultSet) -> [ChartFigure] {
        let rows = results.measured
        var groups: [(title: String, file: String, caption: String, x: String, metric: String, cells: [ResultRow])] = []
        let keyed = ResultSet.keyedReadMostly(rows)
        for structure in ResultSet.structures(keyed) {
            let map = keyed.filter { $0["structure"] == structure }
            for percent in Set(map.compactMap { $0.integer("read_percent") }).sorted() {
                groups.append(("read-mostly \(structure), \(percent) % lookups", "\(structure)-\(percent)pct",
                               "Read-mostly \(structure) with \(percent) % lookups: operations per second of each Swift scheme ÷ its C library's, paired by repetition.",
                               "threads", "ops_per_s", map.filter { $0.integer("read_percent") == percent }))
            }
        }
        let slots = ResultSet.slotReadMostly(rows)
        for structure in ResultSet.structures(slots) {
            for writer in ["paced", "max-rate"] {
                let cells = slots.filter { $0["structure"] == structure && $0["writer"] == writer }
                groups.append(("read-mostly \(structure), writer \(writer)", "\(structure)-\(writer)",
                               "Read-mostly \(structure) (writer \(writer)): reader throughput of each Swift scheme ÷ its C library's, paired by repetition.",
                               "threads", "reads_per_s", cells))
            }
        }
        let latency = ResultSet.reclaimLatency(rows)
        for structure in ResultSet.structures(latency) {
            let cells = latency.filter { $0["structure"] == structure }
            groups.append(("reclaim-latency, \(structure)", "reclaim-latency-\(structure)",
                           "Reclaim-latency (\(structure), every operation retires): operations per second of each Swift scheme ÷ its C library's.",
                           "threads", "ops_per_s", cells))
        }
        let overcommit = rows.filter { $0["workload"] == "overcommit" && $0["stalled_reader"] == "false" }
        groups.append(("overcommit", "overcommit",
                       "Overcommit (readers at k × CPUs sleeping in guards, a writer at full speed): reader throughput of each Swift scheme ÷ its C library's.",
                       "overcommit_factor", "reads_per_s", overcommit))
        var figures: [ChartFigure] = []
        for group in groups {
            var series: [LineChart.Series] = []
            for (scheme, peer) in SchemeID.cLibraryPeers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                var byX: [Double: [Double]] = [:]
                let own = group.cells.filter { $0["scheme"] == scheme.rawValue }
                let theirs = Dictionary(group.cells.filter { $0["scheme"] == peer.rawValue }.map { ("\($0["group"])/\($0["repetition"])", $0) },
                                        uniquingKeysWith: { first, _ in first })
                for row in own {
                    guard let x = row.number(group.x), let value = row.number(group.metric),
                          let other = theirs["\(row["group"])/\(row["repetition"])"]?.number(group.metric), other > 0 else { continue }
                    byX[x, default: []].append(value / other)
                }
                let points = byX.keys.sorted().compactMap { ratioPoint(x: $0, byX[$0]!) }
                if !points.isEmpty { series.append(LineChart.Series(scheme: scheme.rawValue, points: points, label: "\(scheme) ÷ \(peer)")) }
            }
            guard !series.isEmpty else { continue }
            let axis = group.x == "threads" ? threadsAxis
                : LineChart.Axis(title: "threads as a multiple of CPUs (k, log₂ scale)", format: .plain, scale: .log2)
            var chart = LineChart(
                title: "Swift ÷ C: \(group.title)",
                subtitle: [results.presetLabel, "line: median of paired ratios, band: 95 % bootstrap interval", "1 = as fast as the C library"]
                    .joined(separator: " · "),
                x: axis, y: .init(title: "throughput ÷ the C library's", format: .ratio, scale: .linear(includeZero: true)),
                series: series)
            chart.referenceY = 1
            figures.append(ChartFigure(file: fileName("swift-vs-c", group.file), section: section.swiftVersusC,
                                       caption: group.caption + " Pairs: ebr/ck-epoch, hp/ck-hp, qsbr/urcu-qsbr, rcu/urcu-memb.",
                                       chart: chart))
        }
        return figures
    }

    /// The C libraries' ratio to `none` in the standalone C harness (dashed) and in the Swift
    /// cell (solid), per writer and read work: where the two agree, the Swift cell measures
    /// the scheme. Each ratio pairs a row with `none`'s of the same harness, readers, read
    /// work and repetition.
    static func calibration(_ results: ResultSet) -> [ChartFigure] {
        let cRows = results.cHarness
        guard !cRows.isEmpty else { return [] }
        var figures: [ChartFigure] = []
        let readWorks = Set(cRows.map(ResultSet.readWork)).sorted()
        for writer in ["paced", "max-rate"] {
            for readWork in readWorks {
                let harnessCells = cRows.filter { $0["writer"] == writer && ResultSet.readWork($0) == readWork }
                guard !harnessCells.isEmpty else { continue }
                let cellCells = results.measured(readWork: readWork).filter {
                    $0["workload"] == "read-mostly" && $0["structure"] == "slot-table" && $0["writer"] == writer
                }
                if let figure = calibrationFigure(results, writer: writer, readWork: readWork, harnessCells, cellCells) {
                    figures.append(figure)
                }
            }
        }
        return figures
    }

    static func calibrationFigure(_ results: ResultSet, writer: String, readWork: Int, _ harnessCells: [ResultRow],
                                  _ cellCells: [ResultRow]) -> ChartFigure? {
        func ratios(_ cells: [ResultRow], _ scheme: String) -> [LineChart.Point] {
            let none = Dictionary(cells.filter { $0["scheme"] == "none" }.map { ("\($0["threads"])/\($0["repetition"])", $0) },
                                  uniquingKeysWith: { first, _ in first })
            var byX: [Double: [Double]] = [:]
            for row in cells where row["scheme"] == scheme {
                guard let x = row.number("threads"), let value = row.number("reads_per_s"),
                      let base = none["\(row["threads"])/\(row["repetition"])"]?.number("reads_per_s"), base > 0 else { continue }
                byX[x, default: []].append(value / base)
            }
            return byX.keys.sorted().compactMap { ratioPoint(x: $0, byX[$0]!) }
        }
        var series: [LineChart.Series] = []
        for scheme in HarnessLanguage.cSchemes where scheme != .none {
            let inC = ratios(harnessCells, scheme.rawValue), inSwift = ratios(cellCells, scheme.rawValue)
            if !inC.isEmpty { series.append(LineChart.Series(scheme: scheme.rawValue, points: inC, label: "\(scheme) · C harness", dashed: true)) }
            if !inSwift.isEmpty { series.append(LineChart.Series(scheme: scheme.rawValue, points: inSwift, label: "\(scheme) · Swift cell", dashed: false)) }
        }
        guard !series.isEmpty else { return nil }
        let work = readWork == 0 ? "" : ", read work \(readWork)"
        var chart = LineChart(
            title: "Calibration, slot table (writer \(writer)\(work)): C libraries ÷ none in both harnesses",
            subtitle: [results.presetLabel, "dashed: standalone C harness, solid: Swift cell", "band: 95 % bootstrap interval"]
                .joined(separator: " · "),
            x: threadsAxis, y: .init(title: "reads/s ÷ none's (same harness, read work and repetition)", format: .ratio,
                                     scale: .linear(includeZero: true)),
            series: series)
        chart.referenceY = 1
        return ChartFigure(
            file: fileName("calibration", "slot-table", writer, readWork == 0 ? "" : "work\(readWork)"), section: section.swiftVersusC,
            caption: "Each C library's reader throughput ÷ none's\(readWork == 0 ? "" : " with \(readWork) rounds of work on each read's value"), in the C harness (the cell written in C against the library) and in the Swift cell (the library behind the Reclaimer protocol): the gap is what the Swift cell and the protocol add.",
            chart: chart)
    }
}
