// The outside package's own tests, through ReclaimBench's public API only: its scheme
// passes the conformance suite and torture, and its broken variant (frees one epoch early)
// is caught by both; its stack matches a model and a planted wrong pop is caught.
// Each suite has a time limit (and scripts/example-check.sh runs the whole target under
// one); nothing here asserts a time.
import LockFreeStructures
import OutsideSchemes
import ReclaimBenchKit
import ReclaimTorture
import Reclamation
import Dispatch
import Synchronization
import Testing

typealias Correct = OutsideEpochDomain<CorrectEpochs>
typealias Broken = OutsideEpochDomain<FreesOneEpochEarly>

@Suite(.timeLimit(.minutes(5)), .serialized)
struct OutsideSchemeConformanceTests {
    @Test("the outside scheme passes every conformance check", arguments: ConformanceCheck.allCases)
    func correctPasses(_ check: ConformanceCheck) {
        let report = Conformance.run(check) { Correct(configuration: .testing) }
        #expect(report.passed, "\(report)")
    }

    @Test("its broken variant fails a protection check: a node a reader holds is freed")
    func brokenFails() {
        let reports = [ConformanceCheck.protectionOutlivesRetire, .concurrentStress].map { check in
            Conformance.run(check) { Broken(configuration: .testing) }
        }
        #expect(reports.contains { !$0.passed }, "\(reports.map(\.description).joined(separator: "\n"))")
    }
}

@Suite(.timeLimit(.minutes(5)), .serialized)
struct OutsideSchemeTortureTests {
    static func options(duration: Double) -> TortureOptions {
        var options = TortureOptions()
        options.readers = -2
        options.durationSeconds = duration
        options.statIntervalSeconds = 0
        options.readerSleepMicros = 20
        options.readerSleepEvery = 16
        options.deferModulus = 16
        options.churnMilliseconds = 100
        options.stutterSeconds = 0.3
        return options
    }

    @Test("the outside scheme survives a short torture: sleepers, deferral, churn, stutter")
    func correctSurvives() throws {
        let report = try Torture.run(Correct.self, options: Self.options(duration: 1))
        #expect(report.success, "\(report.render())")
        #expect(report.replacements > 0)
        #expect(report.reads > 0)
        #expect(report.objectsInPoolAtEnd == report.objects)
        #expect(report.carriersMade == report.carriersFreed)
    }

    @Test("torture catches the broken variant")
    func brokenCaught() throws {
        var options = Self.options(duration: 60)  // an upper bound: it stops at the first failure
        options.churnMilliseconds = 0
        options.stutterSeconds = 0
        let report = try Torture.run(Broken.self, options: options)
        #expect(!report.success, "\(report.render())")
        #expect(report.render().contains("FAILURE"))
    }
}

@Suite(.timeLimit(.minutes(5)), .serialized)
struct TreiberStackTests {
    /// Pushes and pops drawn from a seeded generator, against an array; returns the first
    /// disagreement.
    static func modelMismatch<R: Reclaimer>(_ domain: R, popsWrongValue: Bool) -> String? {
        let participant = domain.register(slots: 2)
        let stack = TreiberStack(domain: domain, timing: nil, popsWrongValue: popsWrongValue)
        var model: [Int] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var mismatch: String?
        for step in 0..<20_000 where mismatch == nil {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            if (state >> 33) % 3 != 0 {
                stack.put(step, using: participant)
                model.append(step)
            } else {
                let got = stack.take(using: participant), want = model.popLast()
                if got != want { mismatch = "step \(step): take gave \(String(describing: got)), the model \(String(describing: want))" }
            }
        }
        stack.drainQuiescent(using: participant)
        participant.flush()
        domain.drain()
        return mismatch
    }

    @Test("the stack matches an array under the outside scheme and under ebr")
    func matchesModel() {
        #expect(Self.modelMismatch(Correct(configuration: .testing), popsWrongValue: false) == nil)
        #expect(Self.modelMismatch(try! EpochDomain(configuration: .testing), popsWrongValue: false) == nil)
    }

    @Test("a planted wrong pop (the next node's value) is caught by the model")
    func plantedWrongPopCaught() {
        #expect(Self.modelMismatch(Correct(configuration: .testing), popsWrongValue: true) != nil)
    }

    @Test("concurrent puts and takes lose and duplicate nothing (each value taken once)")
    func concurrentSum() {
        let domain = Correct(configuration: .testing)
        let stack = TreiberStack(domain: domain, timing: nil)
        let perThread = 20_000, threads = 4
        let parts = Mutex<[[Int]]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let participant = domain.register(slots: 2)
            var got: [Int] = []
            for i in 0..<perThread {
                stack.put(t * perThread + i, using: participant)
                if i % 2 == 1, let v = stack.take(using: participant) { got.append(v) }
            }
            participant.flush()
            parts.withLock { $0.append(got) }
        }
        let taken = parts.withLock { $0.flatMap { $0 } }
        let participant = domain.register(slots: 2)
        var rest: [Int] = []
        while let v = stack.take(using: participant) { rest.append(v) }
        let everything = (taken + rest).sorted()
        #expect(everything == Array(0..<(threads * perThread)))
        participant.flush()
        domain.drain()
    }
}
