import CReclaimSupport
import Histogram
import LockFreeStructures
import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the experiments' cell bodies share: the reason a shape cannot run, worker seeds,
/// prefill and teardown of a keyed structure, the slot-table cell (read-mostly beside a
/// writer, and overcommit) with its writer, and the retire→free recorder's summary.
/// `@inlinable`, as the bodies are (see `CellExecution.run`).
@usableFromInline
enum CellBodies {
    @usableFromInline
    static func unsupported(_ spec: CellSpec, _ reason: String) -> CellResult {
        var result = CellResult()
        result.status = .failed
        result.note = "no \(spec.workload) workload on \(spec.structure): \(reason)"
        return result
    }

    /// A worker's seed: the cell's, spread per thread.
    @inlinable
    static func workerSeed(_ spec: CellSpec, _ index: Int) -> UInt64 { spec.seed &+ UInt64(index) &* 7919 }

    @inlinable
    static func prefill<R: Reclaimer, S: KeyedStructure<R>>(_ map: S, _ domain: R, spec: CellSpec) {
        let participant = domain.register(slots: S.slotsNeeded)
        var random = SplitMix64(seed: spec.seed ^ 0xF111)
        var filled = 0
        while filled < spec.keyRange / 2 {
            if map.insert(random.below(spec.keyRange), value: filled, using: participant) { filled += 1 }
        }
    }

    @inlinable
    static func teardown<R: Reclaimer, S: KeyedStructure<R>>(_ map: S, _ domain: R) {
        do {
            let participant = domain.register(slots: S.slotsNeeded)
            map.removeAllQuiescent(using: participant)
        }
        domain.drain()
    }

    // MARK: slot table (read-mostly with a writer; overcommit)

    @inlinable
    static func slotCell<R: Reclaimer, S: SlotStructure<R>>(_ harness: CellHarness<R>, _: S.Type) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let table: S = {
            let participant = domain.register(slots: S.slotsNeeded)
            return S.make(domain: domain, count: slotTableSlots, using: participant)
        }()
        let overcommit = spec.workload == .overcommit
        var workers: [@Sendable () -> Void] = (0..<spec.threads).map { index in
            { @Sendable in
                if overcommit { _ = rs_set_timer_slack_ns(1) }  // a 50 µs sleep, not 50 µs + 50 µs of slack
                let participant = domain.register(slots: 1)
                var counts = CellLoops.Counts()
                var latency = CellHarness<R>.latencyHistogram()
                harness.arrive()
                CellLoops.cellSlotTableReaderLoop(
                    table, participant, phase: harness.phaseWord, seed: workerSeed(spec, index),
                    sleepEvery: overcommit ? spec.sleepEvery : 0, sleepMicros: spec.sleepMicros,
                    readWork: spec.readWork, batches: .max,
                    latency: &latency, counts: &counts)
                harness.add(CellHarness<R>.Tally(counts, latency: latency))
            }
        }
        let writerUpdates = Atomic<Int>(0)
        if spec.writer != .none {
            workers.append { @Sendable in
                let participant = domain.register(slots: 1)
                harness.arrive()
                let (updates, cpu) = slotTableWriter(harness, table, participant)
                writerUpdates.add(updates, ordering: .relaxed)  // ORDERING: read after join
                var tally = CellHarness<R>.Tally()
                tally.writerCPUNanoseconds = cpu
                harness.add(tally)
            }
        }
        if spec.stalledReader {
            workers.append { @Sendable in
                let participant = domain.register(slots: 1)
                harness.ready.add(1, ordering: .releasing)
                // Inside a guard from warm-up to the end: a reader descheduled for good.
                _ = table.read(0, using: participant) {
                    while harness.currentPhase != .stopped { CellHarness<R>.sleep(seconds: 0.001) }
                }
            }
        }
        var (result, tally) = harness.run(workers: workers, sampler: spec.sampler)
        result.updates = writerUpdates.load(ordering: .relaxed)
        result.writerUpdatesPerSecond = result.elapsedSeconds > 0 ? Double(result.updates) / result.elapsedSeconds : 0
        result.writerCPUSeconds = Double(tally.writerCPUNanoseconds) / 1e9
        result.operations = result.reads + result.updates
        harness.measureDrain(&result)
        do {
            let participant = domain.register(slots: 1)
            table.removeAllQuiescent(using: participant)
        }
        domain.drain()
        return result
    }

    /// Slots of the slot-table cells (refscale's and the C harness's 1024).
    @inlinable
    static var slotTableSlots: Int { 1024 }

    /// The slot table's writer: replaces a random slot's node and retires the old one. Paced:
    /// one update every `writerPeriodMicros` on average, sleeping to an absolute deadline
    /// (timer slack 1 ns, offline for schemes with quiescent states) and skipping the sleep
    /// when behind — a sleep here costs ~20 µs of CPU even when its deadline has passed. Max
    /// rate: back to back. Returns the window's updates and the CPU time the writer used
    /// from the window's start until it saw the stop.
    @inlinable
    static func slotTableWriter<R: Reclaimer, S: SlotStructure<R>>(
        _ harness: CellHarness<R>, _ table: S, _ participant: borrowing R.Participant
    ) -> (updates: Int, cpuNanoseconds: UInt64) {
        let spec = harness.spec
        let paced = spec.writer == .paced
        if paced { _ = rs_set_timer_slack_ns(1) }
        var random = SplitMix64(seed: spec.seed ^ 0x3A17E5)
        let slots = UInt64(table.count)
        let period = UInt64(spec.writerPeriodMicros) * 1000
        var updates = 0
        var cpuAtWindowStart: UInt64?
        var deadline = RetireTiming.now()
        while true {
            let phase = harness.currentPhase
            if phase == .stopped { break }
            let measuring = phase == .measuring
            if measuring && cpuAtWindowStart == nil { cpuAtWindowStart = CellTiming.threadCPUNanoseconds() }
            let index = SplitMix64.scaled(random.next() >> 32, below: slots)
            table.update(index, to: updates, using: participant)
            participant.quiescentState()
            if measuring { updates += 1 }
            if paced {
                deadline &+= period
                if RetireTiming.now() < deadline {
                    participant.whileOffline { CellTiming.sleep(untilNanoseconds: deadline) }
                }
            }
        }
        let cpu = cpuAtWindowStart.map { CellTiming.threadCPUNanoseconds() &- $0 } ?? 0
        return (updates, cpu)
    }

    // MARK: reclaim latency

    /// Recorded retire→free latencies into the result.
    /// The recorder for a structure's timed nodes: it reads the stamp where the structure
    /// writes it and frees each node with the structure's timed layout.
    @inlinable
    static func retireRecorder<R: Reclaimer, S: BenchmarkStructure>(_ domain: R, _: S.Type) -> RetireRecorder where S.Domain == R {
        let layout = S.timedNodeLayout
        return RetireRecorder(capacity: latencySampleCapacity, stampOffset: layout.dataOffset(R.self) + S.timedStampInData,
                              domain: domain, layout: layout)
    }

    @usableFromInline
    static func record(_ recorder: RetireRecorder, into result: inout CellResult) {
        let (samples, overflow) = recorder.collected()
        let summary = LatencySummary(samples: samples, ladder: ResultsSchema.latencyQuantiles)
        result.retireFreeSamples = summary.count
        result.retireFreeQuantiles = summary.quantiles
        if summary.count > 0 {
            result.retireFreeP50 = summary.p50
            result.retireFreeP99 = summary.p99
            result.retireFreeP999 = summary.p999
            result.retireFreeMax = summary.max
        }
        if overflow > 0 { result.note += "\(overflow) retire→free samples beyond the \(recorder.capacity) kept; " }
    }

    @inlinable
    static var latencySampleCapacity: Int { 1 << 23 }

}
