import CReferenceLibraries
import LockFreeStructures
import Reclamation

/// A read-mostly slot-table cell driven by the standalone C harness (CReferenceLibraries'
/// calibration.c) instead of the Swift loops: the same table, node sizes, draws, sampler,
/// batches and writer, written in C against the C libraries directly. The window around
/// it is the Swift cells' (phases, warm-up, rusage, steal), so the two harnesses differ
/// only in their threads' loops — which is what a C library's ratio in both measures.
enum CHarnessCell {
    static func scheme(_ id: SchemeID) -> Int32? {
        switch id {
        case .none: Int32(RL_C_NONE)
        case .ckEpoch: Int32(RL_C_CK_EPOCH)
        case .ckHp: Int32(RL_C_CK_HP)
        case .urcuQsbr: Int32(RL_C_URCU_QSBR)
        case .urcuMemb: Int32(RL_C_URCU_MEMB)
        default: nil
        }
    }

    static let latencyCapacity = 1 << 20

    static func run(_ spec: CellSpec) -> CellResult {
        var result = CellResult()
        if let reason = HarnessLanguage.c.unsupportedReason(spec.scheme, spec.structure, spec.workload) {
            result.status = .failed
            result.note = "\(spec.scheme) on \(spec.structure) (\(spec.workload)): \(reason)"
            return result
        }
        let configuration = spec.configuration
        let samples = UnsafeMutablePointer<UInt64>.allocate(capacity: latencyCapacity)
        defer { samples.deallocate() }
        var cSpec = rl_c_cell_spec(
            scheme: scheme(spec.scheme)!, readers: Int32(spec.threads),
            writer: Int32(spec.writer == .none ? RL_C_WRITER_NONE : spec.writer == .paced ? RL_C_WRITER_PACED : RL_C_WRITER_MAX_RATE),
            writer_period_us: UInt32(spec.writerPeriodMicros), seed: spec.seed, slots: UInt32(CellBodies.slotTableSlots),
            quiescent_state_interval: UInt32(configuration.quiescentStateInterval), poll_every: UInt32(configuration.bagCapacity),
            reclaim_threshold: UInt32(configuration.retireScanThreshold),
            hazard_pointers: UInt32(CKHazardPointerDomain.hazardPointersPerRecord),
            system_allocator: configuration.allocator == .system ? 1 : 0, read_work: UInt32(spec.readWork),
            latency_samples: samples, latency_capacity: latencyCapacity)
        guard let cell = rl_c_cell_start(&cSpec) else {
            result.status = .failed
            result.note = "the C harness refused the cell"
            return result
        }
        rl_c_cell_set_phase(cell, Int32(RL_C_PHASE_WARMUP))
        CellTiming.sleep(seconds: spec.warmupSeconds)
        let before = ProcessMetrics.now()
        let start = Sampler.nowNanoseconds()
        rl_c_cell_set_phase(cell, Int32(RL_C_PHASE_MEASURING))
        CellTiming.sleep(untilNanoseconds: start + UInt64(spec.durationSeconds * 1e9))
        rl_c_cell_set_phase(cell, Int32(RL_C_PHASE_STOPPED))
        let end = Sampler.nowNanoseconds()
        let after = ProcessMetrics.now()
        var outcome = rl_c_cell_result()
        rl_c_cell_finish(cell, &outcome)

        result.elapsedSeconds = Double(end - start) / 1e9
        result.reads = Int(outcome.reads)
        result.updates = Int(outcome.updates)
        result.operations = result.reads + result.updates
        result.writerUpdatesPerSecond = result.elapsedSeconds > 0 ? Double(result.updates) / result.elapsedSeconds : 0
        result.writerCPUSeconds = outcome.writer_cpu_seconds
        result.record(after - before)
        let summary = LatencySummary(samples: Array(UnsafeBufferPointer(start: samples, count: outcome.latency_count)),
                                     ladder: ResultsSchema.latencyQuantiles)
        if summary.count > 0 {
            result.latencyP50 = summary.p50
            result.latencyP99 = summary.p99
            result.latencyP999 = summary.p999
            result.latencyQuantiles = summary.quantiles
        }
        result.backlogEnd = outcome.pending_at_end
        result.drainMilliseconds = outcome.drain_milliseconds
        result.note = "C harness"
        return result
    }
}
