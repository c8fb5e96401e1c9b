import Foundation
import Reclamation

/// The columns of runs.csv and series.csv, in order (documented in results/README.md; a
/// test checks the two agree). A flag, its column and its chart label share a word.
public enum ResultsSchema {
    public static let runColumns = [
        "run_id", "preset", "cell", "group", "repetition", "seed", "scheme", "family", "structure", "workload",
        "threads", "read_percent", "key_range", "writer", "writer_period_us", "overcommit_factor", "sleep_every",
        "sleep_us", "stalled_reader", "sampler", "duration_s", "status",
        "elapsed_s", "ops", "reads", "updates", "ops_per_s", "reads_per_s", "updates_per_s", "ops_per_cpu_s",
        "writer_updates_per_s", "latency_p50_ns", "latency_p99_ns", "latency_p999_ns",
        "retire_free_p50_ns", "retire_free_p99_ns", "retire_free_p999_ns", "retire_free_max_ns", "retire_free_samples",
        "unreclaimed_peak", "unreclaimed_avg", "allocated_peak_bytes", "allocated_avg_bytes", "resident_peak_bytes",
        "allocated_end_bytes",
        "cpu_user_s", "cpu_system_s", "voluntary_switches", "involuntary_switches", "runnable_avg", "steal_ms",
        "achieved_sleep_us", "backlog_end", "drain_ms", "memory_slope_bytes_per_s", "memory_verdict", "note",
        "scheme_counters", "writer_cpu_s", "harness", "read_work",
        "knobs", "bag_capacity", "retire_scan_threshold", "qs_interval", "gp_interval_us",
    ]

    /// The columns every runs.csv has had: older files end earlier (before
    /// `scheme_counters`, `writer_cpu_s`, `harness`, `read_work`, the knob columns) and are
    /// still read, with the missing trailing columns empty (an empty `harness` is the Swift
    /// harness, an empty `read_work` is 0, empty `knobs` the defaults).
    public static var minimumRunColumns: Int { runColumns.firstIndex(of: "scheme_counters")! }

    public static let seriesColumns = [
        "run_id", "cell", "scheme", "structure", "workload", "threads", "repetition", "t_ms", "unreclaimed",
        "allocated_bytes", "resident_bytes",
    ]

    public static let latencyColumns = [
        "run_id", "cell", "scheme", "structure", "workload", "threads", "repetition", "metric", "quantile", "value_ns",
    ]

    /// The fractions latency.csv gives each distribution at: enough for a CDF on a log axis
    /// whose tail (99 % and beyond) is legible. 1 is the maximum.
    public static let latencyQuantiles: [Double] = [
        0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999, 1,
    ]

    /// The distributions latency.csv holds, by `metric`.
    public enum LatencyMetric: String, CaseIterable, Sendable {
        /// Sampled per-operation latency (every cell that ran operations).
        case operation
        /// Retire → free (reclaim-latency cells).
        case retireFree = "retire_free"
    }

    /// Every `seriesStride`-th sampler point goes to series.csv (10 ms); aggregates use all.
    public static let seriesStride = 10

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }

    public static func runRow(runID: String, preset: Preset, spec: CellSpec, result: CellResult) -> String {
        let seconds = result.elapsedSeconds
        let rate = { (count: Int) in seconds > 0 ? Double(count) / seconds : 0 }
        let fields: [String] = [
            runID, preset.rawValue, String(spec.index), String(spec.group), String(spec.repetition), String(spec.seed),
            spec.scheme.rawValue, spec.scheme.descriptor.family.rawValue, spec.structure.rawValue, spec.workload.rawValue,
            String(spec.threads), String(spec.readPercent), String(spec.keyRange), spec.writer.rawValue,
            String(spec.writerPeriodMicros), String(spec.overcommitFactor), String(spec.sleepEvery), String(spec.sleepMicros),
            String(spec.stalledReader), String(spec.sampler), number(spec.durationSeconds), result.status.rawValue,
            number(seconds), String(result.operations), String(result.reads), String(result.updates),
            number(rate(result.operations)), number(rate(result.reads)), number(rate(result.updates)),
            number(result.operationsPerCPUSecond), number(result.writerUpdatesPerSecond),
            number(result.latencyP50), number(result.latencyP99), number(result.latencyP999),
            number(result.retireFreeP50), number(result.retireFreeP99), number(result.retireFreeP999),
            number(result.retireFreeMax), String(result.retireFreeSamples),
            String(result.unreclaimedPeak), number(result.unreclaimedAverage), String(result.allocatedPeakBytes),
            number(result.allocatedAverageBytes), String(result.residentPeakBytes), String(result.allocatedEndBytes),
            number(result.cpuUserSeconds), number(result.cpuSystemSeconds), String(result.voluntarySwitches),
            String(result.involuntarySwitches), number(result.runnableAverage), number(result.stealMilliseconds),
            number(result.achievedSleepMicros), String(result.backlogEnd), number(result.drainMilliseconds),
            number(result.memorySlopeBytesPerSecond), result.memoryVerdict, result.note, result.schemeCounters,
            number(result.writerCPUSeconds), spec.harness.rawValue, String(spec.readWork),
            spec.knobsText,
        ] + ReclaimerConfiguration.Knob.allCases.map { knob in
            // The value in effect, for the schemes that read the knob; empty for the others.
            spec.scheme.descriptor.knobs.contains(knob) ? String(spec.configuration[knob]) : ""
        }
        return fields.map(CSV.escape).joined(separator: ",")
    }

    public static func latencyRows(runID: String, spec: CellSpec, result: CellResult) -> [String] {
        let keys = [runID, String(spec.index), spec.scheme.rawValue, spec.structure.rawValue, spec.workload.rawValue,
                    String(spec.threads), String(spec.repetition)]
        let distributions: [(LatencyMetric, [Double])] = [(.operation, result.latencyQuantiles), (.retireFree, result.retireFreeQuantiles)]
        return distributions.flatMap { metric, values in
            zip(latencyQuantiles, values).map { fraction, value in
                (keys + [metric.rawValue, number(fraction), number(value)]).map(CSV.escape).joined(separator: ",")
            }
        }
    }

    public static func seriesRows(runID: String, spec: CellSpec, result: CellResult) -> [String] {
        stride(from: 0, to: result.series.count, by: seriesStride).map { index in
            let point = result.series[index]
            return [runID, String(spec.index), spec.scheme.rawValue, spec.structure.rawValue, spec.workload.rawValue,
                    String(spec.threads), String(spec.repetition), number(point.milliseconds), String(point.unreclaimed),
                    String(point.allocatedBytes), String(point.residentBytes)].map(CSV.escape).joined(separator: ",")
        }
    }
}
