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

        @Option(help: "Comma-separated scheme ids (default: every scheme that can run the hash map).")
        var schemes: String?

        @Option(help: "Comma-separated thread counts (1–256 each).")
        var threads: String = "1,2"

        @Option(name: .customLong("read-percent"), help: "Lookups among all operations, in percent (0–100).")
        var readPercent: Int = 99

        @Option(name: .customLong("key-range"), help: "Keys 0..<N, prefilled to half (2–16777216).")
        var keyRange: Int = 16384

        @Option(help: "Seconds per measurement (0.1–600).")
        var duration: Double = 1

        func threadCounts() throws -> [Int] {
            let counts = threads.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (1...256).contains($0!) }) else {
                throw ValidationError("--threads \(threads): allowed a comma-separated list of counts 1–256")
            }
            return counts.map { $0! }
        }

        func validate() throws {
            _ = try parseSchemes(schemes)
            _ = try threadCounts()
            guard (0...100).contains(readPercent) else { throw ValidationError("--read-percent \(readPercent): allowed 0–100") }
            guard (2...16_777_216).contains(keyRange) else { throw ValidationError("--key-range \(keyRange): allowed 2–16777216") }
            guard (0.1...600).contains(duration) else { throw ValidationError("--duration \(duration): allowed 0.1–600 seconds") }
        }

        func run() throws {
            let (results, skipped): ([ReclaimBenchKit.MapThroughput.Result], [String])
            do {
                (results, skipped) = try ReclaimBenchKit.MapThroughput.run(
                    schemes: try parseSchemes(schemes), threads: try threadCounts(), readPercent: readPercent,
                    keyRange: keyRange, durationSeconds: duration)
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
