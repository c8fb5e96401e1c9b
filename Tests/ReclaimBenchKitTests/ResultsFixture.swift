import Foundation
import ReclaimBenchKit

/// A results folder with hand-chosen numbers, written by the real runner through an
/// executor that makes them up: what charts, the report and `pick` are checked against.
///
/// Per repetition r (1…5), throughput is base × (1 + jitter[r]), the same jitter for every
/// scheme except qsbr's, which runs opposite to ebr's so that their intervals overlap.
///
/// | scheme | hash-map ops/s (per thread) | overcommit reads/s | allocated peak | p99 | stalled reader |
/// |--------|------------------------|--------------------|----------------|-----|----------------|
/// | none   | 100 M                  | 40 M               | 900 MB         | 100 ns | leaking 2 GB |
/// | ebr    | 95 M                   | 36 M               | 3 MB           | 100 ns | leaking 500 MB |
/// | qsbr   | 94 M (jitter reversed) | 35 M               | 2 MB           | 100 ns | leaking 300 MB |
/// | hp     | 70 M                   | 30 M               | 2.2 MB         | 150 ns | bounded 2.4 MB |
/// | rc     | 40 M                   | 20 M               | 2.3 MB         | 2 000 ns | bounded 2.3 MB |
final class FixtureExecutor: CellExecutor, @unchecked Sendable {
    static let jitter: [Double] = [0, -0.02, 0.01, 0.02, -0.01, 0.015]
    static let base: [String: (map: Double, overcommit: Double, bytes: Double, p99: Double, stalled: Double, leaks: Bool)] = [
        "none": (100e6, 40e6, 900e6, 100, 2e9, true),
        "ebr": (95e6, 36e6, 3e6, 100, 500e6, true),
        "qsbr": (94e6, 35e6, 2e6, 100, 300e6, true),
        "hp": (70e6, 30e6, 2.2e6, 150, 2.4e6, false),
        "rc": (40e6, 20e6, 2.3e6, 2000, 2.3e6, false),
    ]

    func execute(_ spec: CellSpec) throws -> CellResult {
        let scheme = spec.scheme.rawValue
        let base = Self.base[scheme]!
        let jitter = Self.jitter[spec.repetition % Self.jitter.count] * (scheme == "qsbr" ? -1 : 1)
        var result = CellResult()
        result.elapsedSeconds = 1
        let rate: Double
        switch spec.workload {
        case .readMostly: rate = base.map * Double(spec.threads) * (1 + jitter)
        case .overcommit: rate = base.overcommit * Double(spec.overcommitFactor) * (1 + jitter)
        case .reclaimLatency: rate = base.map / 10 * (1 + jitter)
        }
        result.operations = Int(rate)
        result.reads = spec.workload == .reclaimLatency ? 0 : Int(rate * 0.99)
        result.updates = result.operations - result.reads
        result.latencyP50 = base.p99 / 2
        result.latencyP99 = base.p99
        result.latencyP999 = base.p99 * 3
        result.latencyQuantiles = ResultsSchema.latencyQuantiles.map { base.p99 * $0 }
        result.allocatedPeakBytes = Int(spec.stalledReader ? base.stalled : base.bytes)
        result.unreclaimedPeak = UInt64(result.allocatedPeakBytes / 32)
        result.memoryVerdict = spec.workload == .readMostly ? "n/a" : (spec.stalledReader && base.leaks ? "leaking" : "bounded")
        if spec.workload == .reclaimLatency {
            let median = scheme == "rc" ? 300.0 : scheme == "hp" ? 200_000 : 50_000
            result.retireFreeQuantiles = ResultsSchema.latencyQuantiles.map { median * 2 * $0 * (1 + jitter) }
            result.retireFreeSamples = 1000
        }
        result.series = (0..<100).map { index in
            SeriesPoint(milliseconds: Double(index), unreclaimed: UInt64(index),
                        allocatedBytes: Int(Double(result.allocatedPeakBytes) * Double(index + 1) / 100), residentBytes: 0)
        }
        return result
    }
}

enum ResultsFixture {
    static let schemes = ["none", "hp", "ebr", "qsbr", "rc"]

    /// Writes the fixture run (full preset: five repetitions) into a fresh folder.
    static func write(_ name: String, preset: String = "full", workloads: String? = nil) throws -> String {
        let folder = scratchFolder(name)
        _ = try RunCoordinator(
            options: options {
                $0.preset = preset
                $0.schemes = schemes.joined(separator: ",")
                $0.workloads = workloads
                if preset == "quick" { $0.repetitions = 1 }
            },
            command: ["reclaim-bench", "run", "--preset", preset], out: folder, executor: FixtureExecutor()).run()
        return folder
    }
}
