import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct PickCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pick",
            abstract: "Rank the schemes of a results folder for your constraints, each with its measured reason.",
            discussion: """
                Constraints filter (--handoff needs cross-thread release; --memory-bound strict needs garbage \
                that stays bounded, and excludes a scheme the run saw leak under a stalled reader; \
                --latency-budget-us caps the operation p99), measurements rank (throughput at the nearest \
                measured point, then memory, then tail latency). Schemes whose 95 % intervals overlap are tied.
                """)

        @OptionGroup var folder: ResultsFolderArgument
        /// Default 99 % lookups, and the run's CPUs as threads.
        @OptionGroup var readPercent: ReadPercentOption
        @OptionGroup var threads: ThreadsOption
        @Option(name: .customLong("memory-bound"), help: "strict (garbage bounded whatever readers do) or loose (default).")
        var memoryBound: String = "loose"
        @Flag(help: "More threads than CPUs: answer from the overcommit workload.")
        var oversubscribed = false
        @Flag(help: "Protections are handed to, and released on, other threads.")
        var handoff = false
        @Option(name: .customLong("latency-budget-us"), help: "Most an operation's p99 latency may be, in µs.")
        var latencyBudgetUs: Double?

        func run() throws {
            var constraints = Pick.Constraints()
            guard let bound = Pick.MemoryBound(rawValue: memoryBound) else {
                throw fail(RunnerError(.usage, "pick: --memory-bound \(memoryBound) is not one of strict, loose"))
            }
            constraints.memoryBound = bound
            constraints.readPercent = try readPercent.single(nil)
            constraints.threads = try threads.counts.single(nil, allowed: 1...1024)
            constraints.oversubscribed = oversubscribed
            constraints.handoff = handoff
            constraints.latencyBudgetMicros = latencyBudgetUs
            do {
                try constraints.validate()
                let results = try ResultSet(folder: folder.folder)
                print(Pick.render(try Pick.pick(results, constraints), folder: folder.folder), terminator: "")
            } catch { throw fail(error) }
        }
    }
}
