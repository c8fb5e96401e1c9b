import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A slot array under concurrent replacement: writers replace random slots' nodes and
/// retire the old ones, readers protect random slots and read their node. With a
/// `NodeTracker` (quarantine mode) every read checks the node for poison, a generation
/// change or a recorded free — the conformance suite's stress test; without one it is the
/// smoke workload (default free, throughput only).
///
/// Every writer operation also protects the node it is about to replace and checks it
/// after the retire: a guard's protection must hold against its own thread's retire, so a
/// scheme that frees too early is caught deterministically, not only by a lucky reader.
public enum SlotStress {
    public struct Parameters: Sendable {
        public var slots: Int
        public var readers: Int
        public var writers: Int
        /// Operation budgets (used when `duration` is nil).
        public var readsPerReader: Int
        public var updatesPerWriter: Int
        /// Run for this long instead of the budgets (smoke runs).
        public var duration: Duration?
        /// Every n-th read yields the CPU while holding its protection, then re-checks.
        public var holdYieldInterval: Int
        public var seed: UInt64

        public init(
            slots: Int = 16, readers: Int = 2, writers: Int = 1, readsPerReader: Int = 20_000,
            updatesPerWriter: Int = 20_000, duration: Duration? = nil, holdYieldInterval: Int = 64,
            seed: UInt64 = 0x5107_57E5
        ) {
            precondition(slots > 0 && readers >= 0 && writers >= 0, "SlotStress needs slots > 0 and non-negative thread counts")
            self.slots = slots
            self.readers = readers
            self.writers = writers
            self.readsPerReader = readsPerReader
            self.updatesPerWriter = updatesPerWriter
            self.duration = duration
            self.holdYieldInterval = max(holdYieldInterval, 1)
            self.seed = seed
        }
    }

    public struct Outcome: Sendable {
        public var reads: Int
        public var updates: Int
        public var violations: Int
        public var firstViolation: String?
        /// Domain statistics after every thread left and `drain()` returned.
        public var statistics: ReclaimerStatistics
        /// The largest backlog (retired − freed) the harness saw, sampling every millisecond.
        public var sampledPeakPending: UInt64
        public var elapsed: Duration
    }

    /// Node shape of the stress: no links, 32 bytes of data (NodeTracker's layout).
    public static let layout = NodeTracker.layout

    public static func run<R: Reclaimer>(domain: R, tracker: NodeTracker?, parameters: Parameters) -> Outcome {
        let slots = parameters.slots
        let layout = Self.layout
        let makeNode: @Sendable () -> UnsafeMutableRawPointer = {
            if let tracker { return tracker.makeNode() }
            let node = domain.allocate(layout)
            layout.data(node, R.self).initializeMemory(as: UInt64.self, repeating: 0x11FE, count: 4)
            return node
        }
        let retire: @Sendable (borrowing R.Guard, UnsafeMutableRawPointer) -> Void = { guardian, node in
            if let tracker { guardian.retire(node, deleter: tracker.deleter) } else { guardian.retire(node, layout) }
        }

        let roots = RootLinks(domain, count: slots) { _ in makeNode() }
        let shared = SharedPointer(roots[0])

        let stop = Atomic<Bool>(false)
        let reads = Atomic<Int>(0), updates = Atomic<Int>(0), violations = Atomic<Int>(0)
        let firstViolation = Locked<String?>(nil)
        let record: @Sendable (String) -> Void = { problem in
            violations.add(1, ordering: .relaxed)  // ORDERING: a count read after join
            firstViolation.withLock { if $0 == nil { $0 = problem } }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let timer = parameters.duration.map { duration in
            JoinableThread {
                var remaining = timespec(tv_sec: Int(duration.components.seconds),
                                         tv_nsec: Int(duration.components.attoseconds / 1_000_000_000))
                nanosleep(&remaining, nil)
                stop.store(true, ordering: .relaxed)  // ORDERING: a flag polled in loops
            }
        }
        let timed = parameters.duration != nil

        @Sendable func work(_ index: Int) {
            let links = shared.pointer  // SAFETY: roots outlives every worker thread (joined below)
            var random = SplitMix64(seed: parameters.seed &+ UInt64(index) &* 0x9E37_79B9)
            let participant = domain.register(slots: 1)
            if index < parameters.writers {
                var done = 0
                while timed ? !stop.load(ordering: .relaxed) : done < parameters.updatesPerWriter {
                    let link = links + random.below(slots)
                    let fresh = TaggedNode(makeNode())
                    participant.withGuard { guardian in
                        let held = guardian.protect(link, slot: 0)
                        var expected = LoadedWord(unprotected: held)  // compared only: a CAS returns what it read unprotected
                        while true {
                            let (exchanged, original) = guardian.compareExchange(
                                link, expected: expected, desired: fresh, .acquiringAndReleasing)
                            if exchanged { break }
                            expected = original
                        }
                        if let old = expected.node { retire(guardian, old) }
                        // Our own protection must survive our own retire.
                        if let tracker, let node = held.node, let problem = tracker.inspect(node) {
                            record("writer: \(problem) (protected by its own guard)")
                        }
                    }
                    participant.quiescentState()
                    done += 1
                }
                updates.add(done, ordering: .relaxed)  // ORDERING: read after join
            } else {
                var done = 0, checksum: UInt64 = 0
                while timed ? !stop.load(ordering: .relaxed) : done < parameters.readsPerReader {
                    let link = links + random.below(slots)
                    let hold = done % parameters.holdYieldInterval == 0
                    participant.withGuard { guardian in
                        guard let node = guardian.protect(link, slot: 0).node else { return }
                        if let tracker {
                            if let problem = tracker.inspect(node) { record("reader: \(problem)") }
                            if hold {
                                sched_yield()
                                if let problem = tracker.inspect(node) { record("reader after yield: \(problem)") }
                            }
                        } else {
                            checksum &+= layout.data(node, R.self).load(as: UInt64.self)
                        }
                    }
                    participant.quiescentState()
                    done += 1
                }
                if checksum == 1 { print("", terminator: "") }  // keep the read from being optimized out
                reads.add(done, ordering: .relaxed)  // ORDERING: read after join
            }
        }

        let finished = Atomic<Int>(0)
        let workers = (0..<(parameters.writers + parameters.readers)).map { index in JoinableThread {
            defer { finished.add(1, ordering: .releasing) }  // ORDERING: the sampler's acquire
            work(index)
        } }
        // The main thread samples the backlog (retired − freed) every millisecond: a peak
        // for every scheme, including those with no slow path to note it (rc, arc).
        var sampledPeak: UInt64 = 0
        while finished.load(ordering: .acquiring) < workers.count {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
            sampledPeak = max(sampledPeak, domain.statistics.pending)
        }
        for worker in workers { worker.join() }
        timer?.join()
        let elapsed = clock.now - start

        // Retire what the slots still hold, then drain.
        roots.retireAll(retire)
        domain.drain()
        return Outcome(
            reads: reads.load(ordering: .relaxed), updates: updates.load(ordering: .relaxed),
            violations: violations.load(ordering: .relaxed),
            firstViolation: firstViolation.withLock { $0 },
            statistics: domain.statistics, sampledPeakPending: sampledPeak, elapsed: elapsed
        )
    }
}
