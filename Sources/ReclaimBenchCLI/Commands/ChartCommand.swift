import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct Chart: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw the charts (charts/*.svg) and report.html of a results folder, from its CSV files only.")

        @OptionGroup var folder: ResultsFolderArgument

        func run() throws {
            do {
                let results = try ResultSet(folder: folder.folder)
                print(try ReportPage.write(results, to: results.folder).path)
            } catch { throw fail(error) }
        }
    }
}
