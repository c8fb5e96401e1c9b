import CReclaimSupport
import Histogram
import LockFreeStructures
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs one cell in this process (a child of the runner): the workload on the structure
/// with the scheme, for warm-up then the window. Dispatches once to generic code.
public enum CellExecution {
    public static func run(_ spec: CellSpec) -> CellResult {
        if spec.harness == .c { return CHarnessCell.run(spec) }
        if let (body, note) = RegisteredCellBodies.body(for: spec) {
            var result = body(spec)
            if let note { result.note = note + result.note }
            return result
        }
        struct Visit: SchemeVisitor {
            let spec: CellSpec
            func visit<R: Reclaimer>(_ scheme: R.Type) -> CellResult { CellExecution.run(R.self, spec) }
        }
        return spec.scheme.accept(Visit(spec: spec))
    }

    /// The cell with scheme `R`, its structure dispatched by id. `@inlinable`, as is every
    /// body below: a scheme from outside the package gets them specialized in its own
    /// module (`BenchScheme`), where through the registry's existential they would run
    /// generic, at a cost that is the harness's and not the scheme's.
    @inlinable
    public static func run<R: Reclaimer>(_ scheme: R.Type, _ spec: CellSpec) -> CellResult {
        withHarness(R.self, spec) { spec.structure.accept(Workload(harness: $0)) }
    }

    /// The cell with scheme `R` on structure kind `K`: both specialized.
    @inlinable
    public static func run<R: Reclaimer, K: StructureKind>(_ scheme: R.Type, _ structure: K.Type, _ spec: CellSpec) -> CellResult {
        withHarness(R.self, spec) { K.accept(Workload(harness: $0)) }
    }

    /// The cell on structure kind `K`, its scheme dispatched by id (a built-in scheme is
    /// named in `SchemeID.accept`'s switch, so it is specialized too).
    @inlinable
    public static func run<K: StructureKind>(_ spec: CellSpec, structure: K.Type) -> CellResult {
        spec.scheme.accept(OnStructure<K>(spec: spec))
    }

    @usableFromInline
    struct OnStructure<K: StructureKind>: SchemeVisitor {
        @usableFromInline let spec: CellSpec
        @inlinable init(spec: CellSpec) { self.spec = spec }
        @inlinable func visit<R: Reclaimer>(_ scheme: R.Type) -> CellResult { CellExecution.run(R.self, K.self, spec) }
    }

    @inlinable
    static func withHarness<R: Reclaimer>(_ scheme: R.Type, _ spec: CellSpec, _ body: (CellHarness<R>) -> CellResult) -> CellResult {
        let harness: CellHarness<R>
        do { harness = try CellHarness<R>(spec: spec) } catch {
            var result = CellResult()
            result.status = .failed
            result.note = "\(error)"
            return result
        }
        return body(harness)
    }

    /// The cell's workload on the structure's shape: one method per shape (a shape left out
    /// does not compile), one case per workload (no default).
    @usableFromInline
    struct Workload<R: Reclaimer>: StructureVisitor {
        @usableFromInline typealias Domain = R
        @usableFromInline let harness: CellHarness<R>
        @inlinable init(harness: CellHarness<R>) { self.harness = harness }

        @inlinable
        func visitKeyed<S: KeyedStructure<R>>(_ structure: S.Type) -> CellResult {
            switch harness.spec.workload {
            case .readMostly: CellExecution.readMostlyKeyed(harness, S.self)
            case .reclaimLatency: CellExecution.latencyKeyed(harness, S.self)
            case .overcommit: CellExecution.unsupported(harness.spec, "overcommit runs on a slot structure")
            }
        }

        @inlinable
        func visitPool<S: PoolStructure<R>>(_ structure: S.Type) -> CellResult {
            switch harness.spec.workload {
            case .reclaimLatency: CellExecution.latencyPool(harness, S.self)
            case .readMostly, .overcommit: CellExecution.unsupported(harness.spec, "a pool runs only reclaim-latency")
            }
        }

        @inlinable
        func visitSlots<S: SlotStructure<R>>(_ structure: S.Type) -> CellResult {
            switch harness.spec.workload {
            case .readMostly, .overcommit: CellExecution.slotCell(harness, S.self)
            case .reclaimLatency: CellExecution.unsupported(harness.spec, "reclaim-latency runs on keyed and pool structures")
            }
        }
    }

    @usableFromInline
    static func unsupported(_ spec: CellSpec, _ reason: String) -> CellResult {
        var result = CellResult()
        result.status = .failed
        result.note = "no \(spec.workload) workload on \(spec.structure): \(reason)"
        return result
    }

    /// Operations a worker runs between two looks at the phase: reads and updates are
    /// counted per batch.
    public static var operationsPerBatch: Int { CellLoops.batch }

    /// A worker's seed: the cell's, spread per thread.
    @inlinable
    static func workerSeed(_ spec: CellSpec, _ index: Int) -> UInt64 { spec.seed &+ UInt64(index) &* 7919 }

    // MARK: read-mostly hash map

    @inlinable
    static func readMostlyKeyed<R: Reclaimer, S: KeyedStructure<R>>(_ harness: CellHarness<R>, _: S.Type) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let map = S.make(domain: domain, keyRange: spec.keyRange, timing: nil)
        prefill(map, domain, spec: spec)
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: S.slotsNeeded)
                var counts = CellLoops.Counts()
                var latency = CellHarness<R>.latencyHistogram()
                harness.arrive()
                CellLoops.cellMapWorkerLoop(
                    map, participant, phase: harness.phaseWord, seed: workerSeed(spec, index), keyRange: spec.keyRange,
                    readPercent: spec.readPercent, batches: .max, latency: &latency, counts: &counts)
                harness.add(CellHarness<R>.Tally(counts, latency: latency))
            }
        }
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler)
        harness.measureDrain(&result)
        teardown(map, domain)
        return result
    }

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

    @inlinable
    static func latencyPool<R: Reclaimer, S: PoolStructure<R>>(_ harness: CellHarness<R>, _: S.Type) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let layout = S.timedNodeLayout
        let recorder = RetireRecorder(capacity: latencySampleCapacity, stampOffset: layout.dataOffset(R.self) + S.timedStampInData,
                                      domain: domain, layout: layout)
        let queue: S = {
            let participant = domain.register(slots: S.slotsNeeded)
            let queue = S.make(domain: domain, timing: recorder.timing(stampInData: S.timedStampInData), using: participant)
            precondition(queue.nodeLayout == layout, "\(S.descriptor.id): a timed node's layout is not timedNodeLayout")
            for value in 0..<1024 { queue.put(value, using: participant) }
            return queue
        }()
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: S.slotsNeeded)
                var counts = CellLoops.Counts()
                var latency = CellHarness<R>.latencyHistogram()
                var enqueueNext = true
                harness.arrive()
                CellLoops.cellUpdaterLoop(R.self, participant, phase: harness.phaseWord, seed: workerSeed(spec, index),
                                          latency: &latency, counts: &counts) { draw in
                    if enqueueNext { queue.put(Int(draw >> 34), using: participant) } else { _ = queue.take(using: participant) }
                    enqueueNext.toggle()
                }
                harness.add(CellHarness<R>.Tally(counts, latency: latency))
            }
        }
        let window = recorder
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler) { start, end in
            if let end { window.closeWindow(at: end) } else { window.openWindow(at: start) }
        }
        harness.measureDrain(&result)
        record(window, into: &result)
        do {
            let participant = domain.register(slots: S.slotsNeeded)
            queue.drainQuiescent(using: participant)
        }
        domain.drain()
        return result
    }

    @inlinable
    static func latencyKeyed<R: Reclaimer, S: KeyedStructure<R>>(_ harness: CellHarness<R>, _: S.Type) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let layout = S.timedNodeLayout
        let recorder = RetireRecorder(capacity: latencySampleCapacity, stampOffset: layout.dataOffset(R.self) + S.timedStampInData,
                                      domain: domain, layout: layout)
        let map = S.make(domain: domain, keyRange: spec.keyRange, timing: recorder.timing(stampInData: S.timedStampInData))
        precondition(map.nodeLayout == layout, "\(S.descriptor.id): a timed node's layout is not timedNodeLayout")
        prefill(map, domain, spec: spec)
        let keys = UInt64(spec.keyRange)
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: S.slotsNeeded)
                var counts = CellLoops.Counts()
                var latency = CellHarness<R>.latencyHistogram()
                harness.arrive()
                CellLoops.cellUpdaterLoop(R.self, participant, phase: harness.phaseWord, seed: workerSeed(spec, index),
                                          latency: &latency, counts: &counts) { draw in
                    let key = SplitMix64.scaled(draw >> 32, below: keys)
                    if draw & 1 == 0 { _ = map.insert(key, value: key, using: participant) } else { _ = map.remove(key, using: participant) }
                }
                harness.add(CellHarness<R>.Tally(counts, latency: latency))
            }
        }
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler) { start, end in
            if let end { recorder.closeWindow(at: end) } else { recorder.openWindow(at: start) }
        }
        harness.measureDrain(&result)
        record(recorder, into: &result)
        teardown(map, domain)
        return result
    }
}
