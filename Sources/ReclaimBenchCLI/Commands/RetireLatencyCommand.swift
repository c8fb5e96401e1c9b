import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct RetireLatency: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retire-latency",
            abstract: "Retire→free latency and backlog under a writer replacing slots as fast as it can.")

        @Option(help: "Comma-separated scheme ids (default: every scheme).")
        var schemes: String?

        @Option(help: "Seconds per scheme (0.1–600).")
        var duration: Double = 2

        @Option(help: "Reader threads beside the writer (0–64).")
        var readers: Int = 1

        func validate() throws {
            _ = try parseSchemes(schemes)
            guard (0.1...600).contains(duration) else { throw ValidationError("--duration \(duration): allowed 0.1–600 seconds") }
            guard (0...64).contains(readers) else { throw ValidationError("--readers \(readers): allowed 0–64") }
        }

        func run() throws {
            let results = ReclaimBenchKit.RetireLatency.run(
                schemes: try parseSchemes(schemes), duration: .milliseconds(Int(duration * 1000)),
                readers: readers, maximumSamples: 4_000_000)
            print(TextTable.render(
                header: ["scheme", "updates/s", "retire→free p50", "p99", "p99.9", "max", "peak backlog", "backlog at end"],
                rows: results.map { result in
                    [result.scheme, String(format: "%.2fM", result.updatesPerSecond / 1e6),
                     LatencySummary.format(result.latency.p50), LatencySummary.format(result.latency.p99),
                     LatencySummary.format(result.latency.p999), LatencySummary.format(result.latency.max),
                     String(result.peakBacklog), String(result.backlogSeries.last ?? 0)]
                }), terminator: "")
        }
    }
}
