import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct ReadCost: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read-cost",
            abstract: "Read-side cost per operation (guard + protect + read), one thread, 1024 slots (refscale-style).")

        @OptionGroup var schemes: SchemeSelection

        @Option(help: "Operations per repetition (1000–10000000000).")
        var operations: Int = 20_000_000

        /// The median and the spread are reported: default 7, 1–100.
        @OptionGroup var repetitionsOption: RepetitionsOption
        var repetitions: Int { (try? repetitionsOption.value(7, allowed: 1...100)) ?? 7 }

        @Option(help: "Which slot each read takes: sequential (0, 1, 2, …) or random (a draw per read, as the cells and the C harness).")
        var pattern: String = "sequential"

        func validate() throws {
            guard ReclaimBenchKit.ReadCost.Pattern(rawValue: pattern) != nil else {
                throw ValidationError("--pattern \(pattern): allowed \(ReclaimBenchKit.ReadCost.Pattern.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1000...10_000_000_000).contains(operations) else {
                throw ValidationError("--operations \(operations): allowed 1000–10000000000")
            }
            _ = try repetitionsOption.value(7, allowed: 1...100)
        }

        func run() throws {
            let ids = try schemes.ids()
            let results = ReclaimBenchKit.ReadCost.run(schemes: ids, operations: operations, repetitions: repetitions,
                                                       pattern: ReclaimBenchKit.ReadCost.Pattern(rawValue: pattern)!)
            print("read-cost, \(pattern) slots: \(operations) operations × \(repetitions) repetitions, one thread")
            print(TextTable.render(
                header: ["scheme", "median ns/op", "min", "max", "repetitions"],
                rows: results.map { result in
                    [result.scheme, String(format: "%.2f", result.median), String(format: "%.2f", result.nanoseconds.first!),
                     String(format: "%.2f", result.nanoseconds.last!), String(result.nanoseconds.count)]
                }), terminator: "")
        }
    }
}
