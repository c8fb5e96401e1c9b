import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct SyncLatency: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync-latency",
            abstract: "Latency of synchronize() with 0 or more readers looping on short guards.")

        @OptionGroup var schemes: SchemeSelection

        @Option(help: "synchronize() calls per measurement (1–1000000).")
        var calls: Int = 1000

        @OptionGroup var readers: ReadersOption

        /// Default 0,1; each 0–64.
        func readerCounts() throws -> [Int] { try readers.counts.values(allowed: 0...64) ?? [0, 1] }

        func validate() throws {
            _ = try readerCounts()
            guard (1...1_000_000).contains(calls) else { throw ValidationError("--calls \(calls): allowed 1–1000000") }
        }

        func run() throws {
            let results = ReclaimBenchKit.SynchronizeLatency.run(
                schemes: try schemes.ids(), calls: calls, readers: try readerCounts())
            print(TextTable.render(
                header: ["scheme", "readers", "p50", "p99", "p99.9", "max", "reads meanwhile"],
                rows: results.map { result in
                    [result.scheme, String(result.readers), LatencySummary.format(result.latency.p50),
                     LatencySummary.format(result.latency.p99), LatencySummary.format(result.latency.p999),
                     LatencySummary.format(result.latency.max), String(result.reads)]
                }), terminator: "")
        }
    }
}
