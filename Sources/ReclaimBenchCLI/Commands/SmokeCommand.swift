import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit

extension ReclaimBenchCommand {
    struct Smoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A short slot-array run of each scheme (a build check, not a benchmark).")

        @OptionGroup var schemes: SchemeSelection

        /// Seconds per scheme: default 1, 0.1–60.
        @OptionGroup var duration: DurationOption

        /// Default 2, 1–256.
        @OptionGroup var readers: ReadersOption

        @Option(help: "Writer threads (1–256).")
        var writers: Int = 1

        @Option(help: "Slots in the array (1–1048576).")
        var slots: Int = 1024

        func validate() throws {
            _ = try duration.seconds(1, allowed: 0.1...60)
            _ = try readers.counts.single(2, allowed: 1...256)
            guard (1...256).contains(writers) else { throw ValidationError("--writers \(writers): allowed 1–256") }
            guard (1...1_048_576).contains(slots) else { throw ValidationError("--slots \(slots): allowed 1–1048576") }
        }

        func run() throws {
            let ids = try schemes.ids()
            let duration = try duration.seconds(1, allowed: 0.1...60), readers = try readers.counts.single(2, allowed: 1...256)!
            let parameters = SlotStress.Parameters(
                slots: slots, readers: readers, writers: writers, duration: .milliseconds(Int(duration * 1000)))
            FileHandle.standardError.write(Data(
                "smoke: \(ids.count) scheme(s) × \(duration) s, \(readers) reader(s), \(writers) writer(s), \(slots) slots — a build check, not a benchmark\n".utf8))
            let rows = ReclaimBenchKit.Smoke.run(schemes: ids, parameters: parameters)
            print(ReclaimBenchKit.Smoke.table(rows), terminator: "")
            if rows.contains(where: { $0.statistics.retired != $0.statistics.freed }) {
                throw ExitCode(70)  // EX_SOFTWARE: a scheme left garbage after drain
            }
        }
    }
}
