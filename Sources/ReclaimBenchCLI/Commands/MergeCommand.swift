import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the result folders of the shards of one run (same commit, same flags).")

        @Argument(help: "The shards' results folders.")
        var shards: [String]
        @OptionGroup var out: OutOption

        func run() throws {
            let out = try self.out.required("merge")
            do {
                let folder = try ReclaimBenchKit.Merge.merge(shards, into: out, command: CommandLine.arguments)
                print(folder.path)
            } catch { throw fail(error) }
        }
    }
}
