import Reclamation
import ReclaimBenchKit
import Testing
import TestSupport

/// The measurement workloads measure what they say: every freed node is timed, every
/// synchronize() call is counted. (Their timings are reported, never asserted.)
@Suite(.watchdog)
struct MeasurementToolTests {
    @Test("retire-latency times every free, and every retired node is freed", arguments: [SchemeID.hp, .rcu, .rc])
    func retireLatencyCoversEveryFree(scheme: SchemeID) throws {
        let result = try #require(RetireLatency.run(
            schemes: [scheme], duration: .milliseconds(100), readers: 1, maximumSamples: 10_000_000).first)
        #expect(result.statistics.retired == result.statistics.freed)
        #expect(UInt64(result.latency.count) == result.statistics.freed)
        #expect(!result.backlogSeries.isEmpty)
    }

    @Test("sync-latency measures each call, alone and with readers; schemes without synchronize are skipped")
    func synchronizeLatencyCounts() {
        let results = SynchronizeLatency.run(schemes: [.ebr, .rc], calls: 50, readers: [0, 1])
        #expect(results.map(\.scheme) == ["ebr", "ebr"])
        #expect(results.allSatisfy { $0.latency.count == 50 })
        #expect(results[1].reads > 0)
    }

    @Test("map-throughput is the read-mostly hash-map cell: one per scheme and thread count, the rest named as not run")
    func mapThroughputRunsTheCell() throws {
        let (results, skipped) = try MapThroughput.run(schemes: [.ebr, .arc], threads: [1, 2], readPercent: 90,
                                                       keyRange: 1024, durationSeconds: 0.1)
        #expect(results.map { "\($0.scheme)/\($0.threads)" }.sorted() == ["ebr/1", "ebr/2"])
        for result in results {
            #expect(result.cell.status == .ok, "\(result.cell.note)")
            #expect(result.cell.updates > 0 && result.cell.reads > 0)
            #expect(result.cell.operations == result.cell.reads + result.cell.updates, "the cell's own counts")
            #expect(result.cell.operations % CellExecution.operationsPerBatch == 0, "operations are counted per batch, as in the matrix")
        }
        #expect(skipped.count == 1 && skipped[0].hasPrefix("arc × hash-map"), "\(skipped)")
        #expect(throws: RunnerError.self) {
            try MapThroughput.run(schemes: [.ebr], threads: [1], readPercent: 101, keyRange: 1024, durationSeconds: 0.1)
        }
    }

    @Test("percentiles are nearest-rank")
    func percentiles() {
        let summary = LatencySummary(samples: (1...1000).map { UInt64($0) }.shuffled())
        #expect(summary.p50 == 500 && summary.p99 == 990 && summary.p999 == 999 && summary.max == 1000)
    }
}
