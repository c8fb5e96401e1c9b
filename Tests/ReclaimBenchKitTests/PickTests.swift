import Foundation
import ReclaimBenchKit
import Testing
import TestSupport

/// `pick` on the fixture (ResultsFixture's table), against rankings worked out by hand.
@Suite(.watchdog, .serialized)
struct PickTests {
    static let folder: String = { (try? ResultsFixture.write("pick")) ?? "" }()

    func pick(_ configure: (inout Pick.Constraints) -> Void) throws(RunnerError) -> Pick.Outcome {
        var constraints = Pick.Constraints()
        constraints.threads = 2  // the fixture's numbers, whatever this machine's CPUs
        configure(&constraints)
        return try Pick.pick(try ResultSet(folder: Self.folder), constraints)
    }

    func ranks(_ outcome: Pick.Outcome) -> [String] { outcome.ranked.map { "\($0.rank)\($0.tiedWith.isEmpty ? "." : "=") \($0.scheme)" } }

    @Test("no constraint: ebr and qsbr tie (overlapping intervals) and the tie lists less memory first; hp, rc follow")
    func ranking() throws {
        // At 2 threads, 99 %: ratios to none — ebr 0.95 every repetition; qsbr 0.90–0.98
        // (its jitter runs opposite), median 0.92: the intervals overlap, so a tie, listed
        // qsbr first (2 MB against 3 MB, more than 1.25× apart). hp 0.70, rc 0.40.
        let outcome = try pick { _ in }
        #expect(ranks(outcome) == ["1= qsbr", "1= ebr", "3. hp", "4. rc"])
        let hp = try #require(outcome.ranked.first { $0.scheme == "hp" })
        #expect(abs(hp.ratio!.median - 0.70) < 1e-3)
        #expect(hp.reason.hasPrefix("0.70× none [0.70–0.70] at 2 threads, 99 % reads"))
        #expect(hp.reason.contains("bounded under a stalled reader: 2.4 MB peak"))
        let ebr = try #require(outcome.ranked.first { $0.scheme == "ebr" })
        #expect(ebr.reason.contains("tied with qsbr"))
        #expect(ebr.reason.contains("unbounded under a stalled reader: 500 MB peak (leaking in 5 of 5 repetitions)"))
        #expect(outcome.excluded.map(\.scheme) == ["none"])
        #expect(Pick.render(outcome, folder: "f").contains("= tied: the 95 % intervals of throughput overlap"))
    }

    @Test("--memory-bound strict keeps only a scheme with bounded garbage that stayed bounded")
    func strictMemory() throws {
        let outcome = try pick { $0.memoryBound = .strict }
        #expect(ranks(outcome) == ["1. hp"])
        let reasons = Dictionary(uniqueKeysWithValues: outcome.excluded.map { ($0.scheme, $0.reason) })
        #expect(reasons["ebr"]?.contains("unbounded under a stalled reader: 500 MB peak") == true)
        #expect(reasons["qsbr"]?.contains("unbounded under a stalled reader: 300 MB peak") == true)
        #expect(reasons["rc"]?.contains("does not guarantee bounded garbage") == true)
    }

    @Test("--handoff keeps the schemes with cross-thread release")
    func handoff() throws {
        let outcome = try pick { $0.handoff = true }
        #expect(ranks(outcome) == ["1. hp", "2. rc"])
        #expect(Set(outcome.excluded.map(\.scheme)) == ["none", "ebr", "qsbr"])
    }

    @Test("--latency-budget-us drops a scheme whose operation p99 is over it")
    func latencyBudget() throws {
        let outcome = try pick { $0.latencyBudgetMicros = 1 }
        #expect(ranks(outcome) == ["1= qsbr", "1= ebr", "3. hp"])
        #expect(outcome.excluded.first { $0.scheme == "rc" }?.reason.contains("operation p99 2 µs") == true)
    }

    @Test("--oversubscribed answers from the overcommit rows at 2× CPUs")
    func oversubscribed() throws {
        let outcome = try pick { $0.oversubscribed = true; $0.threads = nil }
        #expect(outcome.scenario.hasPrefix("oversubscribed: 2× CPUs"))
        #expect(ranks(outcome) == ["1= qsbr", "1= ebr", "3. hp", "4. rc"])
    }

    @Test("data that does not cover the ask: a clear error naming what was measured (65)")
    func notCovered() throws {
        func expectData(_ configure: (inout Pick.Constraints) -> Void, mentions: String) {
            do {
                _ = try pick(configure)
                Issue.record("answered an ask the data does not cover")
            } catch {
                #expect(error.code == .data, "\(error)")
                #expect(error.message.contains(mentions), "\(error.message)")
            }
        }
        expectData({ $0.threads = 64 }, mentions: "measured: 1, 2, 4 threads")
        expectData({ $0.readPercent = 50 }, mentions: "measured: 90, 99, 100 %")
        expectData({ $0.oversubscribed = true; $0.threads = 1000 }, mentions: "measured:")
        let mapOnly = try ResultsFixture.write("pick-map-only", workloads: "read-mostly")
        do {
            _ = try Pick.pick(try ResultSet(folder: mapOnly), { var c = Pick.Constraints(); c.oversubscribed = true; return c }())
            Issue.record("answered --oversubscribed without overcommit rows")
        } catch {
            #expect(error.code == .data && error.message.contains("no overcommit rows"), "\(error)")
        }
    }

    @Test("bad constraints: one line naming the value and what is allowed (64); no folder (66)")
    func badInput() throws {
        for (configure, mentions) in [
            ({ (c: inout Pick.Constraints) in c.readPercent = 101 }, "--read-percent 101 is outside 0–100"),
            ({ (c: inout Pick.Constraints) in c.threads = 0 }, "--threads 0 must be at least 1"),
            ({ (c: inout Pick.Constraints) in c.latencyBudgetMicros = -1 }, "--latency-budget-us -1 must be a positive"),
        ] as [((inout Pick.Constraints) -> Void, String)] {
            var constraints = Pick.Constraints()
            configure(&constraints)
            do {
                try constraints.validate()
                Issue.record("accepted \(mentions)")
            } catch {
                #expect(error.code == .usage && error.message.contains(mentions), "\(error)")
            }
        }
        do {
            _ = try ResultSet(folder: scratchFolder("pick-no-such-folder"))
            Issue.record("read a missing folder")
        } catch { #expect(error.code == .noInput) }
    }
}
