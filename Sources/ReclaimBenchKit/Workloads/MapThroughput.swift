import LockFreeStructures
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Throughput of a read-mostly hash map (the workloads' "routing table"): keys 0..<range,
/// prefilled to half, each thread doing lookups and, with the rest of its operations,
/// inserts and removes split evenly. A quick measurement; the runner does it properly.
public enum MapThroughput {
    public struct Result: Sendable {
        public var scheme: String
        public var threads: Int
        public var operationsPerSecond: Double
        public var statistics: ReclaimerStatistics
    }

    public static func run(schemes: [SchemeID], threads: [Int], readPercent: Int, keyRange: Int, duration: Duration) -> [Result] {
        struct Visit: SchemeVisitor {
            let threads: [Int], readPercent: Int, keyRange: Int, duration: Duration
            func visit<R: Reclaimer>(_ scheme: R.Type) -> [Result] {
                guard StructureID.hashMap.unsupportedReason(R.self) == nil else { return [] }
                return threads.map {
                    MapThroughput.measure(R.self, threads: $0, readPercent: readPercent, keyRange: keyRange, duration: duration)
                }
            }
        }
        return schemes.flatMap {
            $0.accept(Visit(threads: threads, readPercent: readPercent, keyRange: keyRange, duration: duration))
        }
    }

    static func measure<R: Reclaimer>(_ scheme: R.Type, threads: Int, readPercent: Int, keyRange: Int, duration: Duration) -> Result {
        let domain: R
        do { domain = try R(configuration: ReclaimerConfiguration()) } catch {
            fatalError("cannot build a \(R.descriptor.id) domain: \(error)")
        }
        let map = LockFreeHashMap(domain: domain, bucketCount: keyRange)
        do {
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            var random = SplitMix64(seed: 99)
            var filled = 0
            while filled < keyRange / 2 {
                if map.insert(random.below(keyRange), value: filled, using: participant) { filled += 1 }
            }
        }
        let stop = Atomic<Bool>(false), started = Atomic<Int>(0), go = Atomic<Bool>(false)
        let operations = Atomic<Int>(0)
        let workers = (0..<threads).map { index in
            JoinableThread {
                let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
                var random = SplitMix64(seed: UInt64(index) &* 7 &+ 1)
                var done = 0
                started.add(1, ordering: .releasing)
                while !go.load(ordering: .acquiring) { sched_yield() }  // barrier start
                while !stop.load(ordering: .relaxed) {  // ORDERING: a flag polled every 64 operations
                    for _ in 0..<64 {
                        let key = random.below(keyRange)
                        let dice = random.below(200)
                        if dice < readPercent * 2 {
                            _ = map.contains(key, using: participant)
                        } else if dice & 1 == 0 {
                            map.insert(key, value: done, using: participant)
                        } else {
                            map.remove(key, using: participant)
                        }
                        participant.quiescentState()
                    }
                    done += 64
                }
                operations.add(done, ordering: .relaxed)
            }
        }
        while started.load(ordering: .acquiring) < threads { sched_yield() }
        let start = ReadCost.monotonicNanoseconds()
        go.store(true, ordering: .releasing)
        var pause = timespec(tv_sec: Int(duration.components.seconds), tv_nsec: Int(duration.components.attoseconds / 1_000_000_000))
        nanosleep(&pause, nil)
        stop.store(true, ordering: .relaxed)
        for worker in workers { worker.join() }
        let elapsed = Double(ReadCost.monotonicNanoseconds() - start) / 1e9
        do {
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            map.removeAllQuiescent(using: participant)
        }
        domain.drain()
        return Result(scheme: R.descriptor.id, threads: threads,
                      operationsPerSecond: Double(operations.load(ordering: .relaxed)) / elapsed, statistics: domain.statistics)
    }
}
