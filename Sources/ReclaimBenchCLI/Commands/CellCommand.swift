import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    /// The child side of `run`: one cell, spec on standard input, result on standard output.
    struct Cell: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one cell (used by `run`; reads a JSON cell spec on stdin).", shouldDisplay: false)

        func run() throws {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            guard let spec = try? JSONDecoder().decode(CellSpec.self, from: input) else {
                throw fail(RunnerError(.data, "cell: standard input is not a JSON cell spec"))
            }
            let result = CellExecution.run(spec)
            FileHandle.standardOutput.write(try JSONEncoder().encode(result))
        }
    }
}
