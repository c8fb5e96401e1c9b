import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every scheme: family, reference, capabilities, bytes per node.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv }

        @Option(help: "Output format: table or csv.")
        var format: Format = .table

        func run() throws {
            let rows = SchemeTable.rows()
            print(format == .csv ? SchemeTable.csv(rows) : SchemeTable.table(rows), terminator: "")
        }
    }
}
