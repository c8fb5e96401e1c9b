import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Time from `retire` to the actual free of every node, under a writer that replaces slots
/// as fast as it can while readers read them; and the backlog (retired − freed) over the
/// run, sampled every millisecond. Each retired node carries its retire time (written only
/// in this workload: a clock read costs ~30 ns); its deleter reads the clock again.
public enum RetireLatency {
    public struct Result: Sendable {
        public var scheme: String
        public var latency: LatencySummary
        public var updatesPerSecond: Double
        public var peakBacklog: UInt64
        /// Backlog samples (nodes), one per millisecond.
        public var backlogSeries: [UInt64]
        public var statistics: ReclaimerStatistics
    }

    public static func run(schemes: [SchemeID], duration: Duration, readers: Int, maximumSamples: Int) -> [Result] {
        struct Visit: SchemeVisitor {
            let duration: Duration, readers: Int, maximumSamples: Int
            func visit<R: Reclaimer>(_ scheme: R.Type) -> Result {
                RetireLatency.measure(R.self, duration: duration, readers: readers, maximumSamples: maximumSamples)
            }
        }
        return schemes.map { $0.accept(Visit(duration: duration, readers: readers, maximumSamples: maximumSamples)) }
    }

    static func measure<R: Reclaimer>(_ scheme: R.Type, duration: Duration, readers: Int, maximumSamples: Int) -> Result {
        let domain: R
        do { domain = try R(configuration: ReclaimerConfiguration()) } catch {
            fatalError("cannot build a \(R.descriptor.id) domain: \(error)")
        }
        let layout = SlotStress.layout
        let dataOffset = layout.dataOffset(R.self)
        let recorder = RetireRecorder(capacity: maximumSamples, stampOffset: dataOffset, domain: domain, layout: layout)
        recorder.openWindow(at: 0)  // every node, warm-up included: this tool has no warm-up
        let slots = 1024
        let roots = RootLinks(domain, count: slots) { _ in
            let node = domain.allocate(layout)
            (node + dataOffset).storeBytes(of: 0, as: UInt64.self)
            return node
        }
        let base = SharedPointer(roots[0])
        let stop = Atomic<Bool>(false)
        let updates = Atomic<Int>(0)
        let deleter = recorder.timing(stampInData: 0).deleter
        let writer = JoinableThread {
            let participant = domain.register(slots: 1)
            var random = SplitMix64(seed: 11)
            var done = 0
            while !stop.load(ordering: .relaxed) {  // ORDERING: a flag polled between updates
                let link = base.pointer + random.below(slots)
                let fresh = domain.allocate(layout)
                (fresh + dataOffset).storeBytes(of: 0, as: UInt64.self)
                participant.withGuard { guardian in
                    var expected = guardian.load(link, .relaxed)
                    while true {
                        let (exchanged, original) = guardian.compareExchange(
                            link, expected: expected, desired: TaggedNode(fresh), .acquiringAndReleasing)
                        if exchanged { break }
                        expected = original
                    }
                    if let old = expected.node {
                        (old + dataOffset).storeBytes(of: ReadCost.monotonicNanoseconds(), as: UInt64.self)
                        guardian.retire(old, deleter: deleter)
                    }
                }
                participant.quiescentState()
                done += 1
            }
            updates.add(done, ordering: .relaxed)
        }
        let readerThreads = (0..<readers).map { index in
            JoinableThread {
                let participant = domain.register(slots: 1)
                var random = SplitMix64(seed: UInt64(index) &+ 100)
                var sum: UInt64 = 0
                while !stop.load(ordering: .relaxed) {
                    participant.withGuard { guardian in
                        if let node = guardian.protect(base.pointer + random.below(slots), slot: 0).node {
                            sum &+= node.load(as: UInt64.self)
                        }
                    }
                    participant.quiescentState()
                }
                if sum == 1 { print("", terminator: "") }
            }
        }
        // Sample the backlog every millisecond for the run.
        let start = ReadCost.monotonicNanoseconds()
        let end = start + UInt64(duration.components.seconds) * 1_000_000_000
            + UInt64(duration.components.attoseconds / 1_000_000_000)
        var series: [UInt64] = []
        while ReadCost.monotonicNanoseconds() < end {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
            series.append(domain.statistics.pending)
        }
        stop.store(true, ordering: .relaxed)
        writer.join()
        for thread in readerThreads { thread.join() }
        let elapsed = Double(ReadCost.monotonicNanoseconds() - start) / 1e9
        roots.retireAll { guardian, node in
            (node + dataOffset).storeBytes(of: ReadCost.monotonicNanoseconds(), as: UInt64.self)
            guardian.retire(node, deleter: deleter)
        }
        domain.drain()
        let statistics = domain.statistics
        return Result(
            scheme: R.descriptor.id, latency: LatencySummary(samples: recorder.collected().samples),
            updatesPerSecond: Double(updates.load(ordering: .relaxed)) / elapsed,
            peakBacklog: series.max() ?? 0, backlogSeries: series, statistics: statistics)
    }
}
