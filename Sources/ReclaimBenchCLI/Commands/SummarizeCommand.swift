import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct Summarize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ratios with bootstrap 95 % intervals: read-mostly throughput ÷ none (with targets), each Swift scheme ÷ its C library, each C library in the C harness and in the Swift cell, and the sampler's effect.")

        @Argument(help: "A results folder.")
        var folder: String
        @Option(help: "Threads of the read-mostly hash-map cells to compare with the targets.")
        var threads: Int = 2
        @Option(name: .customLong("read-percent"), help: "Read percent of those cells.")
        var readPercent: Int = 99

        func run() throws {
            do {
                print(try ReclaimBenchKit.Summary.text(folder: URL(fileURLWithPath: folder), threads: threads, readPercent: readPercent),
                      terminator: "")
            } catch { throw fail(error) }
        }
    }
}
