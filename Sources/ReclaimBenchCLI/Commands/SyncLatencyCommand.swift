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

        @Option(help: "Comma-separated scheme ids (default: every scheme with blocking-synchronize).")
        var schemes: String?

        @Option(help: "synchronize() calls per measurement (1–1000000).")
        var calls: Int = 1000

        @Option(help: "Comma-separated reader counts (0–64 each).")
        var readers: String = "0,1"

        func readerCounts() throws -> [Int] {
            let counts = readers.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (0...64).contains($0!) }) else {
                throw ValidationError("--readers \(readers): allowed a comma-separated list of counts 0–64")
            }
            return counts.map { $0! }
        }

        func validate() throws {
            _ = try parseSchemes(schemes)
            _ = try readerCounts()
            guard (1...1_000_000).contains(calls) else { throw ValidationError("--calls \(calls): allowed 1–1000000") }
        }

        func run() throws {
            let results = ReclaimBenchKit.SynchronizeLatency.run(
                schemes: try parseSchemes(schemes), calls: calls, readers: try readerCounts())
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
