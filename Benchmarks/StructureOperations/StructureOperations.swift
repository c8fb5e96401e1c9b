// Single-thread operations on the structures, over every scheme that can run them: hash
// map lookup hit, lookup miss, insert + remove; queue enqueue + dequeue. The map has 1024
// buckets and every even key of 0..<2048 (one node per bucket on average); hits look up
// even keys, misses odd ones, insert + remove adds an odd key and takes it out again.
//
// Each iteration is 1000 operations (scalingFactor .kilo: figures are per operation).
// Nodes come from jemalloc's mallocx, which the malloc counters do not see (see
// ReclaimerOverhead).

import Benchmark
import LockFreeStructures
import Reclamation

// No retain/release counts: on Swift 6.3 for Linux they need ordo-one's runtime interposer
// (the native hooks crash: seen here in `__swift_retain_` under the progress bar), which is
// not in this machine's package mirror. scripts/instruction-check.sh counts the calls to
// swift_retain and swift_release per operation instead, exactly, under callgrind.
let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: metrics, warmupIterations: 10, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 20_000)
    for scheme in SchemeID.allCases { scheme.accept(RegisterStructures()) }
}

struct RegisterStructures: SchemeVisitor {
    func visit<R: Reclaimer>(_ scheme: R.Type) { registerStructures(R.self) }
}

func registerStructures<R: Reclaimer>(_ scheme: R.Type) {
    let id = R.descriptor.id
    let domain: R
    do { domain = try R(configuration: ReclaimerConfiguration()) } catch {
        print("\(id): skipped (\(error))")
        return
    }

    if StructureID.hashMap.unsupportedReason(R.self) == nil {
        let map = LockFreeHashMap(domain: domain, bucketCount: 1024)
        do {
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            for key in stride(from: 0, to: 2048, by: 2) { _ = map.insert(key, value: key, using: participant) }
        }

        Benchmark("\(id) map lookup hit") { benchmark in
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            var key = 0, hits = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                if map.contains(key, using: participant) { hits &+= 1 }
                participant.quiescentState()
                key = (key &+ 2) & 2047
            }
            benchmark.stopMeasurement()
            precondition(hits == benchmark.scaledIterations.count, "a hit missed")
        }

        Benchmark("\(id) map lookup miss") { benchmark in
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            var key = 1, hits = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                if map.contains(key, using: participant) { hits &+= 1 }
                participant.quiescentState()
                key = (key &+ 2) & 2047
            }
            benchmark.stopMeasurement()
            precondition(hits == 0, "a miss hit")
        }

        Benchmark("\(id) map insert and remove") { benchmark in
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            var key = 1
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let inserted = map.insert(key, value: key, using: participant)
                let removed = map.remove(key, using: participant)
                precondition(inserted && removed, "insert and remove of \(key)")
                participant.quiescentState()
                key = (key &+ 2) & 2047
            }
            participant.flush()
            domain.collect()
            benchmark.stopMeasurement()
        }
    }

    if StructureID.michaelScottQueue.unsupportedReason(R.self) == nil {
        Benchmark("\(id) queue enqueue and dequeue") { benchmark in
            let participant = domain.register(slots: MichaelScottQueue<R>.slotsNeeded)
            let queue = MichaelScottQueue(domain: domain, using: participant)
            benchmark.startMeasurement()
            for value in benchmark.scaledIterations {
                queue.enqueue(value, using: participant)
                let front = queue.dequeue(using: participant)
                precondition(front == value, "dequeued \(String(describing: front)), expected \(value)")
                participant.quiescentState()
            }
            participant.flush()
            domain.collect()
            benchmark.stopMeasurement()
            _ = queue.removeAllQuiescent(using: participant)
        }
    }
}
