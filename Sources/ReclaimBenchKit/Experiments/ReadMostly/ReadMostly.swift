import CReclaimSupport
import Histogram
import LockFreeStructures
import Reclamation
import Synchronization

/// Read-mostly: keyed structures at a lookup percentage (the rest inserts and removes,
/// evenly), and slot structures whose readers protect and read a random slot beside one
/// writer that replaces nodes (paced, or at full speed). Throughput, per-operation latency
/// and memory; the ratio to `none` of these cells is what `pick` ranks on.
@usableFromInline
enum ReadMostly: Experiment {
    @usableFromInline static var id: WorkloadID { .readMostly }

    @usableFromInline static func presetShapes(_ preset: PresetContext) -> [CellShape] {
        let options = preset.options, full = preset.full, keyRange = preset.keyRange
        let readPercents = options.readPercents ?? (full ? [90, 99, 100] : [99])
        let mapThreads = options.threads ?? (full ? [1, 2, 4] : [1, 2])
        let slotThreads = options.threads ?? (full ? [1, 2, 4] : [2])
        var shapes: [CellShape] = []
        for structure in preset.structures(.keyed) {
            for readPercent in readPercents {
                for threads in mapThreads {
                    shapes.append(CellShape(structure: structure, workload: id, threads: threads,
                                            readPercent: readPercent, keyRange: keyRange))
                }
            }
            if full {
                // The sampler's own effect: the same cells without it.
                let readPercent = readPercents.contains(99) ? 99 : readPercents[0]
                let threads = mapThreads.contains(2) ? 2 : mapThreads[0]
                shapes.append(CellShape(structure: structure, workload: id, threads: threads,
                                        readPercent: readPercent, keyRange: keyRange, sampler: false))
            }
        }
        for structure in preset.structures(.slots) {
            for writer in full ? [WriterMode.paced, .maxRate] : [.paced] {
                for threads in slotThreads {
                    shapes.append(CellShape(structure: structure, workload: id, threads: threads,
                                            writer: writer, writerPeriodMicros: writer == .paced ? 10 : 0))
                }
            }
        }
        return shapes
    }

    // MARK: cells

    @inlinable
    static func keyed<R: Reclaimer, S: KeyedStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let map = S.make(domain: domain, keyRange: spec.keyRange, timing: nil)
        CellBodies.prefill(map, domain, spec: spec)
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: S.slotsNeeded)
                var counts = CellLoops.Counts()
                var latency = CellHarness<R>.latencyHistogram()
                harness.arrive()
                CellLoops.cellMapWorkerLoop(
                    map, participant, phase: harness.phaseWord, seed: CellBodies.workerSeed(spec, index), keyRange: spec.keyRange,
                    readPercent: spec.readPercent, batches: .max, latency: &latency, counts: &counts)
                harness.add(CellHarness<R>.Tally(counts, latency: latency))
            }
        }
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler)
        harness.measureDrain(&result)
        CellBodies.teardown(map, domain)
        return result
    }


    @inlinable
    static func pool<R: Reclaimer, S: PoolStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        CellBodies.unsupported(harness.spec, "a pool runs only reclaim-latency")
    }

    @inlinable
    static func slots<R: Reclaimer, S: SlotStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        CellBodies.slotCell(harness, S.self)
    }

    @usableFromInline static var columns: [String] {
        ["read_percent", "key_range", "writer", "writer_period_us", "writer_updates_per_s", "writer_cpu_s", "harness", "read_work"]
    }

    // MARK: charts

    @usableFromInline static func charts(_ results: ResultSet) -> [ChartFigure] {
        var figures = throughputCharts(results)
        let keyed = ResultSet.keyedReadMostly(results.measured)
        for structure in ResultSet.structures(keyed) {
            let map = keyed.filter { $0["structure"] == structure }
            // Memory at the fewest lookups: the most garbage.
            if let lowest = map.compactMap({ $0.integer("read_percent") }).min() {
                figures += ChartCatalog.memoryVsThreads(results, workload: id, structure: structure,
                                                       cells: map.filter { $0.integer("read_percent") == lowest }, lookups: lowest)
            }
        }
        return figures
    }

    static func throughputCharts(_ results: ResultSet) -> [ChartFigure] {
        var figures: [ChartFigure] = []
        let keyed = ResultSet.keyedReadMostly(results.measured)
        for structure in ResultSet.structures(keyed) {
          let rows = keyed.filter { $0["structure"] == structure }
          for percent in Set(rows.compactMap { $0.integer("read_percent") }).sorted() {
            let cells = rows.filter { $0.integer("read_percent") == percent }
            var chart = LineChart(
                title: "\(structure), \(percent) % lookups: throughput vs threads",
                subtitle: ChartCatalog.subtitle(results, cells, extra: "key range \(cells.first?["key_range"] ?? "?")"),
                x: ChartCatalog.threadsAxis, y: .init(title: "throughput (operations/s)", format: .count, scale: .linear(includeZero: true)),
                series: ChartCatalog.series(results, cells, x: { $0.number("threads") }, y: { $0.number("ops_per_s") }))
            chart.shaded = [ChartCatalog.overThreads(results)]
            figures.append(ChartFigure(
                file: ChartCatalog.fileName("throughput", structure, "\(percent)pct"), section: ChartCatalog.section.throughput,
                caption: "Read-mostly \(structure) with \(percent) % lookups (the rest inserts and removes, evenly): operations per second against worker threads.",
                chart: chart))
          }
        }
        let slots = ResultSet.slotReadMostly(results.measured)
        for structure in ResultSet.structures(slots) {
          for writer in ["paced", "max-rate"] {
            let cells = slots.filter { $0["structure"] == structure && $0["writer"] == writer }
            guard !cells.isEmpty else { continue }
            var chart = LineChart(
                title: "\(structure), writer \(writer): reader throughput vs threads",
                subtitle: ChartCatalog.subtitle(results, cells, extra: writer == "paced" ? "one update per \(cells[0]["writer_period_us"]) µs" : "writer at full speed"),
                x: ChartCatalog.threadsAxis, y: .init(title: "reads/s (all readers)", format: .count, scale: .linear(includeZero: true)),
                series: ChartCatalog.series(results, cells, x: { $0.number("threads") }, y: { $0.number("reads_per_s") }))
            chart.shaded = [LineChart.Region(from: Double(results.cpus - 1), label: "readers + writer > CPUs")]
            figures.append(ChartFigure(
                file: ChartCatalog.fileName("throughput", structure, writer), section: ChartCatalog.section.throughput,
                caption: "Read-mostly \(structure): readers protect and read a random slot while one writer replaces nodes (\(writer)); reads per second against reader threads.",
                chart: chart))
          }
        }
        return figures
    }
}
