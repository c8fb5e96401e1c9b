import CReclaimSupport
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
        struct Visit: SchemeVisitor {
            let spec: CellSpec
            func visit<R: Reclaimer>(_ scheme: R.Type) -> CellResult { CellExecution.run(R.self, spec) }
        }
        return spec.scheme.accept(Visit(spec: spec))
    }

    static func run<R: Reclaimer>(_ scheme: R.Type, _ spec: CellSpec) -> CellResult {
        let harness: CellHarness<R>
        do { harness = try CellHarness<R>(spec: spec) } catch {
            var result = CellResult()
            result.status = .failed
            result.note = "\(error)"
            return result
        }
        switch (spec.workload, spec.structure) {
        case (.readMostly, .hashMap): return readMostlyMap(harness)
        case (.readMostly, .slotTable): return slotTable(harness)
        case (.overcommit, .slotTable): return slotTable(harness)
        case (.reclaimLatency, .michaelScottQueue): return latencyQueue(harness)
        case (.reclaimLatency, .hashMap): return latencyMap(harness)
        default:
            var result = CellResult()
            result.status = .failed
            result.note = "no \(spec.workload) workload on \(spec.structure)"
            return result
        }
    }

    /// One operation per call; the loop counts, times sampled operations and announces a
    /// quiescent state after each, and checks the phase every 64 operations.
    static func loop<R: Reclaimer>(
        _ harness: CellHarness<R>, participant: borrowing R.Participant, seed: UInt64,
        operation: (inout SplitMix64) -> Bool  // true: an update
    ) -> CellHarness<R>.Tally {
        var random = SplitMix64(seed: seed)
        var sampler = LatencySampler(seed: seed)
        var tally = CellHarness<R>.Tally()
        harness.ready.add(1, ordering: .releasing)
        while harness.currentPhase == .waiting { sched_yield() }
        while true {
            let phase = harness.currentPhase
            if phase == .stopped { break }
            let measuring = phase == .measuring
            for _ in 0..<64 {
                let timed = measuring && sampler.due()
                let start = timed ? RetireTiming.now() : 0
                let update = operation(&random)
                if timed { _ = tally.latency.record(RetireTiming.now() &- start) }
                if measuring { if update { tally.updates += 1 } else { tally.reads += 1 } }
                participant.quiescentState()
            }
        }
        tally.operations = tally.reads + tally.updates
        return tally
    }

    // MARK: read-mostly hash map

    static func readMostlyMap<R: Reclaimer>(_ harness: CellHarness<R>) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let map = LockFreeHashMap(domain: domain, bucketCount: spec.keyRange)
        prefill(map, spec: spec)
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
                let tally = loop(harness, participant: participant, seed: spec.seed &+ UInt64(index) &* 7919) { random in
                    let key = random.below(spec.keyRange), dice = random.below(200)
                    if dice < spec.readPercent * 2 {
                        _ = map.contains(key, using: participant)
                        return false
                    }
                    if dice & 1 == 0 { map.insert(key, value: dice, using: participant) } else { map.remove(key, using: participant) }
                    return true
                }
                harness.add(tally)
            }
        }
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler)
        harness.measureDrain(&result)
        teardown(map, domain)
        return result
    }

    static func prefill<R: Reclaimer>(_ map: LockFreeHashMap<R>, spec: CellSpec) {
        let participant = map.domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
        var random = SplitMix64(seed: spec.seed ^ 0xF111)
        var filled = 0
        while filled < spec.keyRange / 2 {
            if map.insert(random.below(spec.keyRange), value: filled, using: participant) { filled += 1 }
        }
    }

    static func teardown<R: Reclaimer>(_ map: LockFreeHashMap<R>, _ domain: R) {
        do {
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            map.removeAllQuiescent(using: participant)
        }
        domain.drain()
    }

    // MARK: slot table (read-mostly with a writer; overcommit)

    static func slotTable<R: Reclaimer>(_ harness: CellHarness<R>) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let slots = 1024
        let table: SlotTable<R> = {
            let participant = domain.register(slots: 1)
            return SlotTable(domain: domain, count: slots, using: participant)
        }()
        let overcommit = spec.workload == .overcommit
        var workers: [@Sendable () -> Void] = (0..<spec.threads).map { index in
            { @Sendable in
                if overcommit { _ = rs_set_timer_slack_ns(1) }  // a 50 µs sleep, not 50 µs + 50 µs of slack
                let participant = domain.register(slots: 1)
                var reads = 0, sleeps = 0, slept: UInt64 = 0
                var tally = loop(harness, participant: participant, seed: spec.seed &+ UInt64(index) &* 7919) { random in
                    reads += 1
                    if overcommit && reads % spec.sleepEvery == 0 {
                        _ = table.read(random.below(slots), using: participant) {
                            let before = RetireTiming.now()
                            CellHarness<R>.sleep(seconds: Double(spec.sleepMicros) / 1e6)
                            slept &+= RetireTiming.now() &- before
                            sleeps += 1
                        }
                    } else {
                        _ = table.read(random.below(slots), using: participant)
                    }
                    return false
                }
                tally.sleeps = sleeps
                tally.sleptNanoseconds = slept
                harness.add(tally)
            }
        }
        let writerUpdates = Atomic<Int>(0)
        if spec.writer != .none {
            workers.append { @Sendable in
                let participant = domain.register(slots: 1)
                var random = SplitMix64(seed: spec.seed ^ 0x3A17E5)
                var updates = 0
                harness.ready.add(1, ordering: .releasing)
                while harness.currentPhase == .waiting { sched_yield() }
                let period = UInt64(spec.writerPeriodMicros) * 1000
                var next = RetireTiming.now()
                while true {
                    let phase = harness.currentPhase
                    if phase == .stopped { break }
                    table.update(random.below(slots), to: updates, using: participant)
                    participant.quiescentState()
                    if phase == .measuring { updates += 1 }
                    if spec.writer == .paced {
                        next &+= period
                        while RetireTiming.now() < next && harness.currentPhase != .stopped { rs_cpu_relax() }
                    }
                }
                writerUpdates.add(updates, ordering: .relaxed)  // ORDERING: read after join
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
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler)
        result.updates = writerUpdates.load(ordering: .relaxed)
        result.writerUpdatesPerSecond = result.elapsedSeconds > 0 ? Double(result.updates) / result.elapsedSeconds : 0
        result.operations = result.reads + result.updates
        harness.measureDrain(&result)
        do {
            let participant = domain.register(slots: 1)
            table.removeAllQuiescent(using: participant)
        }
        domain.drain()
        return result
    }

    // MARK: reclaim latency

    /// Recorded retire→free latencies into the result.
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

    static let latencySampleCapacity = 1 << 23

    static func latencyQueue<R: Reclaimer>(_ harness: CellHarness<R>) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        var recorder: RetireRecorder!
        let queue: MichaelScottQueue<R> = {
            let participant = domain.register(slots: MichaelScottQueue<R>.slotsNeeded)
            let layout = NodeLayout(links: 1, dataBytes: 16)
            recorder = RetireRecorder(capacity: latencySampleCapacity, stampOffset: layout.dataOffset(R.self) + 8) {
                domain.deallocate($0, layout)
            }
            let queue = MichaelScottQueue(domain: domain, payloadBytes: 8, timing: recorder.timing(stampInData: 8), using: participant)
            precondition(queue.nodeLayout == layout)
            for value in 0..<1024 { queue.enqueue(value, using: participant) }
            return queue
        }()
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: MichaelScottQueue<R>.slotsNeeded)
                var enqueueNext = true
                let tally = loop(harness, participant: participant, seed: spec.seed &+ UInt64(index) &* 7919) { random in
                    defer { enqueueNext.toggle() }
                    if enqueueNext { queue.enqueue(random.below(1 << 30), using: participant) } else { _ = queue.dequeue(using: participant) }
                    return true
                }
                harness.add(tally)
            }
        }
        let window = recorder!
        var (result, _) = harness.run(workers: workers, sampler: spec.sampler) { start, end in
            if let end { window.closeWindow(at: end) } else { window.openWindow(at: start) }
        }
        harness.measureDrain(&result)
        record(window, into: &result)
        do {
            let participant = domain.register(slots: MichaelScottQueue<R>.slotsNeeded)
            _ = queue.removeAllQuiescent(using: participant)
        }
        domain.drain()
        return result
    }

    static func latencyMap<R: Reclaimer>(_ harness: CellHarness<R>) -> CellResult {
        let spec = harness.spec, domain = harness.domain
        let shape = ListNodeShape(payloadBytes: 8)
        let layout = shape.layout
        let recorder = RetireRecorder(capacity: latencySampleCapacity, stampOffset: layout.dataOffset(R.self) + 16) {
            domain.deallocate($0, layout)
        }
        let map = LockFreeHashMap(domain: domain, bucketCount: spec.keyRange, payloadBytes: 8,
                                  timing: recorder.timing(stampInData: 16))
        precondition(map.nodeLayout == layout)
        prefill(map, spec: spec)
        let workers = (0..<spec.threads).map { index in
            { @Sendable in
                let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
                let tally = loop(harness, participant: participant, seed: spec.seed &+ UInt64(index) &* 7919) { random in
                    let key = random.below(spec.keyRange)
                    if random.below(2) == 0 { map.insert(key, value: key, using: participant) } else { map.remove(key, using: participant) }
                    return true
                }
                harness.add(tally)
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
