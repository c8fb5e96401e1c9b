import CReclaimSupport
import Histogram
import LockFreeStructures
import ReclaimBenchSupport
import Reclamation
import Synchronization

/// Reclaim latency: every operation an update, so every operation retires (keyed
/// structures at 0 % lookups, pools put and take). The time from each retire in the window
/// to its node's free (a CDF), the garbage over time, and whether memory stays bounded.
@usableFromInline
enum ReclaimLatency: Experiment {
    @usableFromInline static var id: WorkloadID { .reclaimLatency }

    @usableFromInline static func presetShapes(_ preset: PresetContext) -> [CellShape] {
        let threadCounts = preset.options.threads ?? (preset.full ? [2, 4] : [2])
        var shapes: [CellShape] = []
        for threads in threadCounts {
            for structure in preset.structures(.pool) {
                shapes.append(CellShape(structure: structure, workload: id, threads: threads))
            }
            for structure in preset.structures(.keyed) {
                shapes.append(CellShape(structure: structure, workload: id, threads: threads, readPercent: 0, keyRange: preset.keyRange))
            }
        }
        return shapes
    }

    // MARK: cells

    @inlinable
    static func keyed<R: Reclaimer, S: KeyedStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let layout = S.timedNodeLayout
        let recorder = CellBodies.retireRecorder(domain, S.self)
        let map = S.make(domain: domain, keyRange: spec.keyRange, timing: recorder.timing(stampInData: S.timedStampInData))
        precondition(map.nodeLayout == layout, "\(S.descriptor.id): a timed node's layout is not timedNodeLayout")
        CellBodies.prefill(map, domain, spec: spec)
        let keys = UInt64(spec.keyRange)
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: S.slotsNeeded)
                var counts = CellLoops.Counts()
                var latency = CellHarness<R>.latencyHistogram()
                harness.arrive()
                CellLoops.cellUpdaterLoop(R.self, participant, phase: harness.phaseWord, seed: CellBodies.workerSeed(spec, index),
                                          latency: &latency, counts: &counts) { draw in
                    let key = SplitMix64.scaled(draw >> 32, below: keys)
                    if draw & 1 == 0 { _ = map.insert(key, value: key, using: participant) } else { _ = map.remove(key, using: participant) }
                }
                harness.add(CellHarness<R>.Tally(counts, latency: latency))
            }
        }
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler) { start, end in
            if let end { recorder.closeWindow(at: end) } else { recorder.openWindow(at: start) }
        }
        harness.measureDrain(&result)
        CellBodies.record(recorder, into: &result)
        CellBodies.teardown(map, domain)
        return result
    }

    @inlinable
    static func pool<R: Reclaimer, S: PoolStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let layout = S.timedNodeLayout
        let recorder = CellBodies.retireRecorder(domain, S.self)
        let queue: S = {
            let participant = domain.register(slots: S.slotsNeeded)
            let queue = S.make(domain: domain, timing: recorder.timing(stampInData: S.timedStampInData), using: participant)
            precondition(queue.nodeLayout == layout, "\(S.descriptor.id): a timed node's layout is not timedNodeLayout")
            for value in 0..<1024 { queue.put(value, using: participant) }
            return queue
        }()
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: S.slotsNeeded)
                var counts = CellLoops.Counts()
                var latency = CellHarness<R>.latencyHistogram()
                var enqueueNext = true
                harness.arrive()
                CellLoops.cellUpdaterLoop(R.self, participant, phase: harness.phaseWord, seed: CellBodies.workerSeed(spec, index),
                                          latency: &latency, counts: &counts) { draw in
                    if enqueueNext { queue.put(Int(draw >> 34), using: participant) } else { _ = queue.take(using: participant) }
                    enqueueNext.toggle()
                }
                harness.add(CellHarness<R>.Tally(counts, latency: latency))
            }
        }
        let window = recorder
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler) { start, end in
            if let end { window.closeWindow(at: end) } else { window.openWindow(at: start) }
        }
        harness.measureDrain(&result)
        CellBodies.record(window, into: &result)
        do {
            let participant = domain.register(slots: S.slotsNeeded)
            queue.drainQuiescent(using: participant)
        }
        domain.drain()
        return result
    }


    @inlinable
    static func slots<R: Reclaimer, S: SlotStructure<R>>(_ harness: CellHarness<R>, _ structure: S.Type) -> CellResult {
        CellBodies.unsupported(harness.spec, "reclaim-latency runs on keyed and pool structures")
    }

    @usableFromInline static var columns: [String] {
        ["key_range", "retire_free_p50_ns", "retire_free_p99_ns", "retire_free_p999_ns", "retire_free_max_ns",
         "retire_free_samples", "memory_slope_bytes_per_s", "memory_verdict"]
    }

    // MARK: charts

    @usableFromInline static func charts(_ results: ResultSet) -> [ChartFigure] {
        let latency = ResultSet.reclaimLatency(results.measured)
        var figures: [ChartFigure] = []
        for structure in ResultSet.structures(latency) {
            figures += ChartCatalog.memoryVsThreads(results, workload: id, structure: structure,
                                                   cells: latency.filter { $0["structure"] == structure })
        }
        return figures + memoryOverTimeCharts(results, latency) + retireFreeCharts(results)
    }

    static func memoryOverTimeCharts(_ results: ResultSet, _ latency: [ResultRow]) -> [ChartFigure] {
        guard !results.series.isEmpty else { return [] }
        var figures: [ChartFigure] = []
        for structure in ResultSet.structures(latency) {
            let cells = latency.filter { $0["structure"] == structure }
            for threads in Set(cells.compactMap { $0.integer("threads") }).sorted() {
                let chosen = cells.filter { $0.integer("threads") == threads }
                let chart = LineChart(
                    title: "reclaim-latency, \(structure), \(threads) threads: memory over time",
                    subtitle: ChartCatalog.subtitle(results, chosen, extra: "20 ms bins, log scale"),
                    x: ChartCatalog.timeAxis, y: ChartCatalog.bytesOverTimeAxis, series: ChartCatalog.timeSeries(results, cells: chosen))
                guard !chart.series.isEmpty else { continue }
                figures.append(ChartFigure(
                    file: ChartCatalog.fileName("memory-time", structure, "\(threads)t"), section: ChartCatalog.section.time,
                    caption: "Allocated bytes through the window, every operation an update. A flat line is bounded garbage; a rising one is reclamation falling behind (the row's memory_verdict).",
                    chart: chart))
            }
        }
        return figures
    }

    static func retireFreeCharts(_ results: ResultSet) -> [ChartFigure] {
        var figures: [ChartFigure] = []
        let latency = ResultSet.reclaimLatency(results.measured)
        for structure in ResultSet.structures(latency) {
            let cells = latency.filter { $0["structure"] == structure }
            for threads in Set(cells.compactMap { $0.integer("threads") }).sorted() {
                let chosen = cells.filter { $0.integer("threads") == threads }
                let lines = cdf(results, cells: chosen)
                guard !lines.isEmpty else { continue }
                var chart = LineChart(
                    title: "reclaim-latency, \(structure), \(threads) threads: retire → free CDF",
                    subtitle: ChartCatalog.subtitle(results, chosen, extra: results.latency.isEmpty ? "from p50/p99/p99.9/max only" : "band: min–max of each quantile"),
                    x: .init(title: "retire → free (log scale)", format: .nanoseconds, scale: .log(floor: 10)),
                    y: .init(title: "fraction of freed nodes", format: .fraction, scale: .linear(includeZero: true)),
                    series: lines)
                chart.markers = false
                figures.append(ChartFigure(
                    file: ChartCatalog.fileName("retire-free-cdf", structure, "\(threads)t"), section: ChartCatalog.section.latency,
                    caption: "For every node retired in the window, the time until it was freed (frees during the drain included). `none` frees only at the end.",
                    chart: chart))
            }
        }
        return figures
    }

    static func cdf(_ results: ResultSet, cells: [ResultRow]) -> [LineChart.Series] {
        let cellIDs = Set(cells.map { $0["cell"] })
        let quantiles = results.latency.filter { $0["metric"] == "retire_free" && cellIDs.contains($0["cell"]) }
        return results.schemes.compactMap { scheme in
            var byQuantile: [Double: [Double]] = [:]
            if quantiles.isEmpty {
                // Runs before latency.csv: the four percentiles runs.csv has.
                for row in cells where row["scheme"] == scheme && (row.integer("retire_free_samples") ?? 0) > 0 {
                    for (q, column) in [(0.5, "retire_free_p50_ns"), (0.99, "retire_free_p99_ns"), (0.999, "retire_free_p999_ns"), (1, "retire_free_max_ns")] {
                        if let value = row.number(column) { byQuantile[q, default: []].append(value) }
                    }
                }
            } else {
                for row in quantiles where row["scheme"] == scheme {
                    guard let q = row.number("quantile"), let value = row.number("value_ns") else { continue }
                    byQuantile[q, default: []].append(value)
                }
            }
            let points = byQuantile.keys.sorted().compactMap { q in
                Spread(byQuantile[q]!).map { LineChart.Point(x: $0.median, y: q, spread: $0.range, spreadAxis: .x) }
            }
            return points.isEmpty ? nil : LineChart.Series(scheme: scheme, points: points)
        }
    }
}
