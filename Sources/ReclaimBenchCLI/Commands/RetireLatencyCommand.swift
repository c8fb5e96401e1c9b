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

        @OptionGroup var schemes: SchemeSelection

        /// Default 2, 0.1–600.
        @OptionGroup var duration: DurationOption

        /// Reader threads beside the writer: default 1, 0–64.
        @OptionGroup var readers: ReadersOption

        func validate() throws {
            _ = try duration.seconds(2, allowed: 0.1...600)
            _ = try readers.counts.single(1, allowed: 0...64)
        }

        func run() throws {
            let results = ReclaimBenchKit.RetireLatency.run(
                schemes: try schemes.ids(), duration: .milliseconds(Int(try duration.seconds(2, allowed: 0.1...600) * 1000)),
                readers: try readers.counts.single(1, allowed: 0...64)!, maximumSamples: 4_000_000)
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
