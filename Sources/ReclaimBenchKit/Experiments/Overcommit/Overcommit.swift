import CReclaimSupport
import Histogram
import LockFreeStructures
import Reclamation
import Synchronization

/// Overcommit: slot-table readers at k × CPUs beside a writer at full speed, each reader
/// sleeping inside its guard every `sleepEvery` reads (a preempted reader); and one cell
/// with a reader asleep in a guard for the whole window (stalled). Throughput and memory
/// against k, each scheme against its own figure at the smallest k.
@usableFromInline
enum Overcommit: Experiment {
    @usableFromInline static var id: WorkloadID { .overcommit }

    @usableFromInline static func presetShapes(_ preset: PresetContext) -> [CellShape] {
        let factors = preset.full ? [1, 2, 4, 8] : [2]
        let cpus = preset.onlineCPUs
        var shapes: [CellShape] = []
        for structure in preset.structures(.slots) {
            for factor in factors {
                shapes.append(CellShape(structure: structure, workload: id, threads: factor * cpus,
                                        writer: .maxRate, overcommitFactor: factor, sleepEvery: 1000, sleepMicros: 50))
            }
            shapes.append(CellShape(structure: structure, workload: id, threads: 2 * cpus,
                                    writer: .maxRate, overcommitFactor: 2, sleepEvery: 1000, sleepMicros: 50, stalledReader: true))
        }
        return shapes
    }

    // MARK: cells

    @inlinable
    static func keyed<R: Reclaimer, S: KeyedStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        CellBodies.unsupported(harness.spec, "overcommit runs on a slot structure")
    }

    @inlinable
    static func pool<R: Reclaimer, S: PoolStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        CellBodies.unsupported(harness.spec, "overcommit runs on a slot structure")
    }

    /// The slot-table cell, its readers sleeping in their guards (`CellBodies.slotCell`
    /// reads the overcommit parameters from the spec).
    @inlinable
    static func slots<R: Reclaimer, S: SlotStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        CellBodies.slotCell(harness, S.self)
    }

    @usableFromInline static var columns: [String] {
        ["writer", "overcommit_factor", "sleep_every", "sleep_us", "stalled_reader", "achieved_sleep_us",
         "writer_updates_per_s", "writer_cpu_s", "memory_slope_bytes_per_s", "memory_verdict"]
    }

    // MARK: charts

    @usableFromInline static func charts(_ results: ResultSet) -> [ChartFigure] { stalledReaderCharts(results) + degradationCharts(results) }

    static func stalledReaderCharts(_ results: ResultSet) -> [ChartFigure] {
        guard !results.series.isEmpty else { return [] }
        let stalled = results.measured.filter { $0["workload"] == id.rawValue && $0["stalled_reader"] == "true" }
        guard !stalled.isEmpty else { return [] }
        let chart = LineChart(
            title: "Stalled reader (\(stalled[0]["overcommit_factor"])× CPUs): memory over time",
            subtitle: ChartCatalog.subtitle(results, stalled, extra: "one reader asleep in a guard all window; log scale"),
            x: ChartCatalog.timeAxis, y: ChartCatalog.bytesOverTimeAxis, series: ChartCatalog.timeSeries(results, cells: stalled))
        guard !chart.series.isEmpty else { return [] }
        return [ChartFigure(
            file: ChartCatalog.fileName("memory-time", "stalled-reader"), section: ChartCatalog.section.time,
            caption: "A reader that sleeps inside its guard for the whole window: schemes whose garbage is bounded (hazard pointers, reference counting) stay flat; grace-period schemes cannot free anything retired after it started.",
            chart: chart)]
    }

    static func degradationCharts(_ results: ResultSet) -> [ChartFigure] {
        let cells = results.measured.filter { $0["workload"] == id.rawValue && $0["stalled_reader"] == "false" }
        let factors = Set(cells.compactMap { $0.number("overcommit_factor") })
        guard factors.count >= 2, let base = factors.min() else { return [] }
        let axis = LineChart.Axis(title: "threads as a multiple of CPUs (k, log₂ scale)", format: .plain, scale: .log2)
        func relative(_ column: String) -> [LineChart.Series] {
            results.schemes.compactMap { scheme in
                let own = cells.filter { $0["scheme"] == scheme }
                guard let reference = Spread(own.filter { $0.number("overcommit_factor") == base }.compactMap { $0.number(column) }),
                      reference.median > 0 else { return nil }
                let points = factors.sorted().compactMap { factor in
                    Spread(own.filter { $0.number("overcommit_factor") == factor }.compactMap { $0.number(column) }.map { $0 / reference.median })
                        .map { LineChart.Point(x: factor, y: $0.median, spread: $0.range) }
                }
                return points.isEmpty ? nil : LineChart.Series(scheme: scheme, points: points)
            }
        }
        let region = LineChart.Region(from: base, label: "oversubscribed")
        let sleep = "readers sleep \(cells[0]["sleep_us"]) µs in a guard every \(cells[0]["sleep_every"]) reads"
        var throughput = LineChart(
            title: "Overcommit: reader throughput relative to \(ChartValueFormat.plain.string(base))× CPUs",
            subtitle: ChartCatalog.subtitle(results, cells, extra: sleep),
            x: axis, y: .init(title: "reads/s ÷ the scheme's own at \(ChartValueFormat.plain.string(base))×", format: .ratio, scale: .linear(includeZero: true)),
            series: relative("reads_per_s"))
        throughput.referenceY = 1
        throughput.shaded = [region]
        var memory = LineChart(
            title: "Overcommit: peak allocated relative to \(ChartValueFormat.plain.string(base))× CPUs",
            subtitle: ChartCatalog.subtitle(results, cells, extra: sleep),
            x: axis, y: .init(title: "peak allocated ÷ the scheme's own at \(ChartValueFormat.plain.string(base))×", format: .ratio, scale: .linear(includeZero: true)),
            series: relative("allocated_peak_bytes"))
        memory.referenceY = 1
        memory.shaded = [region]
        return [
            ChartFigure(file: ChartCatalog.fileName("overcommit", "throughput"), section: ChartCatalog.section.overcommit,
                        caption: "Slot-table readers at k × CPUs beside a writer at full speed; each scheme against its own 1× figure.",
                        chart: throughput),
            ChartFigure(file: ChartCatalog.fileName("overcommit", "memory"), section: ChartCatalog.section.overcommit,
                        caption: "Peak allocated bytes at k × CPUs, each scheme against its own 1× figure.",
                        chart: memory),
        ]
    }
}
