import ReclaimBenchKit
import ReclaimTorture
import Reclamation
import Testing
import TestSupport

/// The torture test: every scheme passes a short run with overcommit, sleeping readers,
/// deferred release (hand-off where claimed), churn and stutter; every planted scheme is
/// reported as FAILURE within its operation budget; each of the reader's checks fails on a
/// mutated input. Nothing here asserts a time: runs end at a fixed duration or at the
/// first failure, and what is asserted are counts and verdicts.
@Suite(.watchdog, .serialized)
struct TortureTests {
    /// Short, hostile: 2 × CPUs readers, a sleep in every 16th read, one protection in 16
    /// deferred, readers replaced every 100 ms, a stutter pause every 0.3 s.
    static func shortOptions() -> TortureOptions {
        var options = TortureOptions()
        options.readers = -2
        options.durationSeconds = 1
        options.statIntervalSeconds = 0
        options.readerSleepMicros = 20
        options.readerSleepEvery = 16
        options.deferModulus = 16
        options.churnMilliseconds = 100
        options.stutterSeconds = 0.3
        return options
    }

    struct Run: SchemeVisitor {
        let options: TortureOptions
        func visit<R: Reclaimer>(_ scheme: R.Type) -> Result<TortureReport, RunnerError> {
            do { return .success(try Torture.run(R.self, options: options)) } catch { return .failure(error) }
        }
    }

    @Test("every scheme passes a short torture: overcommit, sleepers, deferral, churn, stutter",
          arguments: TestedSchemes.all.filter { $0 != .none })
    func schemePasses(_ scheme: SchemeID) throws {
        let report = try scheme.accept(Run(options: Self.shortOptions())).get()
        #expect(report.failure == nil, "\(report.render())")
        #expect(report.success)
        #expect(report.replacements > 0)
        #expect(report.reads > 0)
        #expect(report.counts.checks >= report.reads)
        // Every age recorded is 0 or 1, and every read recorded one.
        #expect(report.pipe.dropFirst(2).allSatisfy { $0 == 0 })
        #expect(report.pipe.reduce(0, +) == report.counts.directReleased)
        // Every protection found an object (the first is published before the readers
        // start) and went one way or the other.
        #expect(report.counts.emptyReads == 0)
        #expect(report.reads == report.counts.directAcquired + report.counts.deferredAcquired)
        #expect(report.counts.imbalance == nil)
        #expect(report.carriersMade == report.carriersFreed)
        #expect(report.objectsInPoolAtEnd == report.objects)
        #expect(report.counts.stutterChecks >= 1)
        #expect(report.counts.churnedThreads >= 1)
        #expect(report.readers == 2 * max(1, Matrix.onlineCPUs))
        if report.handsOff {
            #expect(report.counts.deferredAcquired > 0, "deferred protections are handed to the release thread")
            #expect(report.counts.longAcquired == 0)
        } else {
            #expect(report.counts.longAcquired > 0, "deferred protections are held long on the reading thread")
            #expect(report.counts.deferredAcquired == 0)
        }
        #expect(report.render().hasSuffix("SUCCESS\n"))
    }

    @Test("none is refused: it frees nothing before drain(), so nothing would come back through the pipe")
    func noneRefused() {
        #expect(throws: RunnerError.self) { _ = try SchemeID.none.accept(Run(options: Self.shortOptions())).get() }
    }

    @Test("every planted scheme is reported as FAILURE, within its operation budget",
          arguments: PlantedScheme.allCases)
    func plantedFails(_ planted: PlantedScheme) throws {
        var options = Self.shortOptions()
        options.durationSeconds = 120  // an upper bound only: the run stops at the first failure
        options.churnMilliseconds = 0
        options.stutterSeconds = 0
        options.plantedBudgetReplacements = 10_000
        // No sleeps and no long holds, so that the injected yield point does the catching
        // (except for the faults that live in the hand-off itself).
        options.readerSleepMicros = 0
        options.deferModulus = [.hpReleasesOnWrongRecord, .hpPercpuReleasesRememberedSlot].contains(planted) ? 16 : 0
        struct PlantedRun: SchemeVisitor {
            let options: TortureOptions
            func visit<R: Reclaimer>(_ scheme: R.Type) -> Result<TortureReport, RunnerError> {
                do { return .success(try Torture.run(R.self, options: options, planted: true)) } catch { return .failure(error) }
            }
        }
        let report = try planted.accept(PlantedRun(options: options)).get()
        let failure = try #require(report.failure, "\(planted.rawValue) passed:\n\(report.render())")
        // Every planted fault ends a protection early, and more than one check sees that:
        // the carrier check the yield point arms, or first — a plain race with the writer,
        // the release thread or another reader — the object a stage too old, back in the
        // pool, or recycled (CI saw frees-on-retire caught by the age check, and a hand-off
        // fault under ASan). Any of these is the catch; a publication error, a leak or an
        // imbalance is not.
        let caughtAs: Set<TortureFailure.Kind> = [.carrierFreedUnderProtection, .prematureAge, .objectPoisoned, .generationChanged]
        #expect(caughtAs.contains(failure.kind), "\(failure.detail)")
        // The yield point guarantees the catch within the budget once its window opens; a
        // plain race may catch the fault before the window is first reached.
        let window = report.plantedWindowAt ?? 0
        #expect(failure.replacements - window <= options.plantedBudgetReplacements)
        #expect(report.render().contains("FAILURE: \(failure.kind.rawValue)"))
    }

    @Test("each reader check fails on its mutated input, and passes on the unmutated one",
          arguments: TortureMutation.allCases)
    func checkCatchesMutation(_ mutation: TortureMutation) {
        let failure = Torture.checkMutated(mutation)
        #expect(failure?.kind == mutation.expected, "\(failure?.detail ?? "passed")")
    }

    @Test("the acquire/release balance fails when one path does not balance")
    func imbalance() {
        var counts = TortureCounts()
        counts.directAcquired = 5; counts.directReleased = 5
        counts.deferredAcquired = 3; counts.deferredReleased = 3
        #expect(counts.imbalance == nil)
        counts.deferredReleased = 2
        #expect(counts.imbalance?.contains("deferred 3/2") == true)
        counts.deferredReleased = 3; counts.longAcquired = 1
        #expect(counts.imbalance?.contains("long-held 1/0") == true)
    }

    @Test("bad options are usage errors naming the value")
    func badOptions() {
        let cases: [(String, (inout TortureOptions) -> Void)] = [
            ("--readers 0", { $0.readers = 0 }),
            ("--duration -1.0", { $0.durationSeconds = -1 }),
            ("--pipe-length 1", { $0.pipeLength = 1 }),
            ("--defer-modulus -3", { $0.deferModulus = -3 }),
            ("--stutter nan", { $0.stutterSeconds = .nan }),
            // Finite but huge: each used to trap converting to nanoseconds (exit 132).
            ("--duration 1000000000000.0", { $0.durationSeconds = 1e12 }),
            ("--stat-interval 1e+300", { $0.statIntervalSeconds = 1e300 }),
            ("--stutter 1e+300", { $0.stutterSeconds = 1e300 }),
            ("--churn-ms 1e+300", { $0.churnMilliseconds = 1e300 }),
            ("--release-thread-ms 1e+300", { $0.releaseThreadMilliseconds = 1e300 }),
        ]
        for (named, mutate) in cases {
            var options = TortureOptions()
            mutate(&options)
            do {
                try options.validate()
                Issue.record("accepted \(named)")
            } catch {
                #expect(error.code == .usage)
                #expect(error.message.contains(named), "\(error.message)")
            }
        }
        // The unmutated options pass.
        #expect(throws: Never.self) { try TortureOptions().validate() }
    }
}
