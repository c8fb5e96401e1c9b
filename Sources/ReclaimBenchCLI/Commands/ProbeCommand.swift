import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe",
            abstract: "Run exactly N single-thread operations of one scheme, for counting instructions under callgrind (scripts/instruction-check.sh).")

        @OptionGroup var schemeArgument: SchemeArgument

        @Argument(help: "Operation: read (guard + protect + read) or lookup (hash map contains).")
        var operation: String

        @Option(help: "Operations (1–1000000000).")
        var count: Int = 100_000

        func run() throws {
            let scheme = try schemeArgument.required("probe")
            let id: SchemeID
            do { id = try SchemeID.parse(scheme) } catch { throw fail(RunnerError(.usage, "probe: \(error)")) }
            guard let kind = InstructionProbe.Operation(rawValue: operation) else {
                throw fail(RunnerError(.usage, "probe: operation '\(operation)' is not one of \(InstructionProbe.Operation.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            guard (1...1_000_000_000).contains(count) else { throw fail(RunnerError(.usage, "probe: --count \(count) is outside 1–1000000000")) }
            if let reason = InstructionProbe.unsupportedReason(id, kind) {
                throw fail(RunnerError(.usage, "probe: \(scheme) cannot run \(operation): \(reason)"))
            }
            print("\(scheme) \(operation) \(count) operations, checksum \(InstructionProbe.run(id, kind, count: count))")
        }
    }
}
