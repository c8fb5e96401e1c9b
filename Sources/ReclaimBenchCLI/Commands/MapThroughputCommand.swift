import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct MapThroughput: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "map-throughput",
            abstract: "Operations per second of a read-mostly hash map: the runner's read-mostly hash-map cell, in this process, one repetition.")

        @OptionGroup var schemes: SchemeSelection

        /// Default 1,2; each 1–256.
        @OptionGroup var threads: ThreadsOption

        /// Default 99.
        @OptionGroup var readPercent: ReadPercentOption

        @OptionGroup var keyRangeOption: KeyRangeOption
        var keyRange: Int { (try? keyRangeOption.value(16_384)) ?? 16_384 }

        /// Default 1, 0.1–600.
        @OptionGroup var duration: DurationOption

        func threadCounts() throws -> [Int] { try threads.counts.values(allowed: 1...256) ?? [1, 2] }

        func validate() throws {
            _ = try threadCounts()
            _ = try readPercent.single(99)
            _ = try keyRangeOption.value(16_384)
            _ = try duration.seconds(1, allowed: 0.1...600)
        }

        func run() throws {
            let (results, skipped): ([ReclaimBenchKit.MapThroughput.Result], [String])
            do {
                (results, skipped) = try ReclaimBenchKit.MapThroughput.run(
                    schemes: try schemes.ids(), threads: try threadCounts(), readPercent: try readPercent.single(99)!,
                    keyRange: keyRange, durationSeconds: try duration.seconds(1, allowed: 0.1...600))
            } catch let error as RunnerError { throw fail(error) }
            print(TextTable.render(
                header: ["scheme", "threads", "ops/s", "p99 op", "backlog at end", "status"],
                rows: results.map { result in
                    [result.scheme, String(result.threads), String(format: "%.2fM", result.operationsPerSecond / 1e6),
                     LatencySummary.format(result.cell.latencyP99), String(result.cell.backlogEnd),
                     result.cell.status == .ok ? "ok" : "\(result.cell.status.rawValue): \(result.cell.note)"]
                }), terminator: "")
            for line in skipped { print("not run: \(line)") }
        }
    }
}
