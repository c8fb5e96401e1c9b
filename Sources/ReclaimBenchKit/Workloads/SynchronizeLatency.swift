import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How long `synchronize()` takes, alone and with readers running (refscale's
/// synchronize test): `calls` calls on one thread; with readers, each reader loops on a
/// short guard (protect one slot's node, read it) followed by a quiescent state.
public enum SynchronizeLatency {
    public struct Result: Sendable {
        public var scheme: String
        public var readers: Int
        public var latency: LatencySummary
        /// Guarded reads the readers completed meanwhile.
        public var reads: Int
    }

    public static func run(schemes: [SchemeID], calls: Int, readers: [Int]) -> [Result] {
        struct Visit: SchemeVisitor {
            let calls: Int, readers: [Int]
            func visit<R: Reclaimer>(_ scheme: R.Type) -> [Result] {
                guard R.capabilities.contains(.blockingSynchronize) else { return [] }
                return readers.map { SynchronizeLatency.measure(R.self, calls: calls, readers: $0) }
            }
        }
        return schemes.flatMap { $0.accept(Visit(calls: calls, readers: readers)) }
    }

    static func measure<R: Reclaimer>(_ scheme: R.Type, calls: Int, readers: Int) -> Result {
        let domain: R
        do { domain = try R(configuration: ReclaimerConfiguration()) } catch {
            fatalError("cannot build a \(R.descriptor.id) domain: \(error)")
        }
        let layout = SlotStress.layout
        let roots = RootLinks(domain, count: 64) { _ in domain.allocate(layout) }
        let base = SharedPointer(roots[0])
        let stop = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        let started = Atomic<Int>(0)
        let threads = (0..<readers).map { index in
            JoinableThread {
                let participant = domain.register(slots: 1)
                var done = 0, sum: UInt64 = 0
                started.add(1, ordering: .releasing)
                while !stop.load(ordering: .relaxed) {  // ORDERING: a flag polled between reads
                    participant.withGuard { guardian in
                        if let node = guardian.protect(base.pointer + ((done &+ index) & 63), slot: 0).node {
                            sum &+= node.load(as: UInt64.self)
                        }
                    }
                    participant.quiescentState()
                    done += 1
                }
                if sum == 1 { print("", terminator: "") }
                reads.add(done, ordering: .relaxed)
            }
        }
        while started.load(ordering: .acquiring) < readers { sched_yield() }
        var samples: [UInt64] = []
        samples.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = ReadCost.monotonicNanoseconds()
            domain.synchronize()
            samples.append(ReadCost.monotonicNanoseconds() - start)
        }
        stop.store(true, ordering: .relaxed)
        for thread in threads { thread.join() }
        roots.retireAll { $0.retire($1, layout) }
        domain.drain()
        return Result(scheme: R.descriptor.id, readers: readers, latency: LatencySummary(samples: samples),
                      reads: reads.load(ordering: .relaxed))
    }
}
