import ArgumentParser
import CReclaimSupport
import Foundation
import Reclamation
import ReclaimBenchKit
import ReclaimTorture

extension ReclaimBenchCommand {
    struct TortureCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "torture",
            abstract: "Torture a scheme (after rcutorture/hazptrtorture): SUCCESS (exit 0) or FAILURE with the reason (exit 1).",
            discussion: """
                One writer replaces the current object; removed objects go through --pipe-length grace periods \
                (retire with a deleter that re-retires, or synchronize()) before they return to the pool. \
                Readers protect the current object, check it (poison, generation, publication), sometimes \
                sleep or spin inside the guard, and record its age: any age above 1 is a premature \
                reclamation. One protection in --defer-modulus is handed to the release thread (schemes \
                with cross-thread release) or held long on the same thread (the others).
                """)

        /// Or use --planted.
        @OptionGroup var scheme: SchemeArgument
        @Option(help: "Run a deliberately broken scheme (see --list-planted); it must fail.")
        var planted: String?
        @Flag(name: .customLong("list-planted"), help: "List the planted broken schemes and exit.")
        var listPlanted = false
        /// Default -1 (one per online CPU); negative: a multiple of the online CPUs (-4: 4 × CPUs, overcommit).
        @OptionGroup var readers: ReadersOption
        @Option(name: .customLong("fake-writers"), parsing: .unconditional, help: "Threads that retire extra, never-published nodes.")
        var fakeWriters: Int = 1
        /// Seconds to run: default 10.
        @OptionGroup var duration: DurationOption
        @Option(parsing: .unconditional, help: "Operation budget: stop after N writer replacements, or at --duration, whichever is first (0: the duration alone).")
        var replacements: Int = 0
        @Option(name: .customLong("stat-interval"), parsing: .unconditional, help: "Seconds between progress lines (0: none); a writer with no replacement in one fails the run.")
        var statInterval: Double = 5
        @Option(name: .customLong("reader-sleep-us"), parsing: .unconditional, help: "A reader sleeps this long inside its guard on about one read in 256 (0: never).")
        var readerSleepUs: Int = 50
        @Option(name: .customLong("defer-modulus"), parsing: .unconditional, help: "One protection in N is deferred: handed off or held long (0: never).")
        var deferModulus: Int = 64
        @Option(name: .customLong("release-thread-ms"), parsing: .unconditional, help: "How long a deferred protection is kept at least.")
        var releaseThreadMs: Double = 1
        @Option(name: .customLong("churn-ms"), parsing: .unconditional, help: "Readers leave and new threads register every N ms (0: never).")
        var churnMs: Double = 0
        @Option(parsing: .unconditional, help: "Run N s, pause, check that every object but the current one is back in the pool, resume (0: off).")
        var stutter: Double = 0
        @Option(name: .customLong("writer-interval-us"), parsing: .unconditional, help: "The writer waits up to N µs between replacements.")
        var writerIntervalUs: Int = 100
        @Option(name: .customLong("pipe-length"), parsing: .unconditional, help: "Grace periods before an object returns to the pool.")
        var pipeLength: Int = 10
        @OptionGroup var seed: SeedOption
        @Option(help: "Domain thresholds: testing (scan or seal every few retires, 1 ms scan period) or default (the runner's).")
        var thresholds: String = "testing"
        @OptionGroup var gpInterval: GracePeriodIntervalOption
        @OptionGroup var quietFlag: QuietFlag

        func run() throws {
            if listPlanted {
                for scheme in PlantedScheme.allCases { print("\(scheme.rawValue)  \(scheme.summary)") }
                return
            }
            var options = TortureOptions()
            options.readers = try readers.counts.single(-1, allowed: -1024...1024)!
            options.fakeWriters = fakeWriters
            options.durationSeconds = try duration.seconds(10, allowed: 0...86_400)
            options.maxReplacements = replacements
            options.exitAfterFailureSeconds = 30
            options.statIntervalSeconds = statInterval
            options.readerSleepMicros = readerSleepUs
            options.deferModulus = deferModulus
            options.releaseThreadMilliseconds = releaseThreadMs
            options.churnMilliseconds = churnMs
            options.stutterSeconds = stutter
            options.writerIntervalMicros = writerIntervalUs
            options.pipeLength = pipeLength
            options.seed = seed.seed
            let command = CommandLine.arguments.map(shellQuoted).joined(separator: " ")
                + (isStressBuild ? "   (a stress build: RECLAIMBENCH_STRESS=1 swift build --build-path .build-stress)" : "")
            let quiet = quietFlag.quiet
            let gracePeriod = try gpInterval.single()
            let report: TortureReport
            do {
                report = try Torture.run(scheme: scheme.scheme, planted: planted, options: options, thresholds: thresholds,
                                         gracePeriodMicroseconds: gracePeriod, reproduce: command) { line in
                    if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
                }
            } catch { throw fail(error) }
            print(report.render(), terminator: "")
            if !report.success { throw ExitCode(1) }
        }
    }
}
