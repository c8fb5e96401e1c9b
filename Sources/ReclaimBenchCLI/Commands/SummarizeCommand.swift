import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct Summarize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ratios with bootstrap 95 % intervals: read-mostly throughput ÷ none (with targets), each Swift scheme ÷ its C library, each C library in the C harness and in the Swift cell, and the sampler's effect.")

        @OptionGroup var folder: ResultsFolderArgument
        /// The read-mostly hash-map cells compared with the targets: default 2 threads, 99 %.
        @OptionGroup var threads: ThreadsOption
        @OptionGroup var readPercent: ReadPercentOption

        func validate() throws {
            _ = try threads.counts.single(2, allowed: 1...1024)
            _ = try readPercent.single(99)
        }

        func run() throws {
            let threads = try self.threads.counts.single(2, allowed: 1...1024)!, readPercent = try self.readPercent.single(99)!
            do {
                print(try ReclaimBenchKit.Summary.text(folder: URL(fileURLWithPath: folder.folder), threads: threads, readPercent: readPercent),
                      terminator: "")
            } catch { throw fail(error) }
        }
    }
}
