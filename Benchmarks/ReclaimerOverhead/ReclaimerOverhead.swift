// The per-operation cost of each scheme's primitives, one thread (what the kernel's
// refscale measures for RCU flavours): an empty guard; guard + protect + read one node +
// guard end; retire one node with the amortized cost of reclaiming it; synchronize()
// where the scheme has it; detach + release where it has cross-thread release.
//
// Each iteration is 1000 operations (scalingFactor .kilo: figures are per operation).
// Participants are registered, and nodes allocated, outside the measured region. Node
// memory comes from jemalloc's mallocx, which the malloc counters (malloc-interposer)
// do not see: mallocCountTotal counts the Swift runtime's allocations only, and the hot
// paths must show zero of them, and zero retains and releases.

import Benchmark
import Reclamation

// No retain/release counts: on Swift 6.3 for Linux they need ordo-one's runtime interposer
// (the native hooks crash: seen here in `__swift_retain_` under the progress bar), which is
// not in this machine's package mirror. scripts/instruction-check.sh counts the calls to
// swift_retain and swift_release per operation instead, exactly, under callgrind.
let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: metrics, warmupIterations: 10, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 20_000)
    for scheme in SchemeID.allCases { scheme.accept(RegisterOverhead()) }
}

struct RegisterOverhead: SchemeVisitor {
    func visit<R: Reclaimer>(_ scheme: R.Type) { registerOverhead(R.self) }
}

/// Carries a detached protection out of the guard's closure.
final class HandOffBox<R: Reclaimer> {
    var token: R.HandOff?
}

/// A 1024-slot table of one-word nodes, read round-robin.
final class ReadTable<R: Reclaimer>: @unchecked Sendable {
    // SAFETY: built before any benchmark runs, then only read.
    let domain: R
    let links: UnsafeMutablePointer<R.Link>
    static var slots: Int { 1024 }
    static var layout: NodeLayout { NodeLayout(links: 0, dataBytes: 16) }

    init(domain: R) {
        self.domain = domain
        links = .allocate(capacity: Self.slots)
        for index in 0..<Self.slots { (links + index).initialize(to: R.Link(.null)) }
        let participant = domain.register(slots: 1)
        participant.withGuard { guardian in
            for index in 0..<Self.slots {
                let node = domain.allocate(Self.layout)
                node.storeBytes(of: UInt64(index), as: UInt64.self)
                guardian.store(links + index, TaggedNode(node), .releasing)
            }
        }
    }
}

func registerOverhead<R: Reclaimer>(_ scheme: R.Type) {
    let id = R.descriptor.id
    let domain: R
    do { domain = try R(configuration: ReclaimerConfiguration()) } catch {
        print("\(id): skipped (\(error))")
        return
    }
    let table = ReadTable(domain: domain)

    Benchmark("\(id) empty guard") { benchmark in
        let participant = domain.register(slots: 1)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            participant.withGuard { _ in }
            participant.quiescentState()
        }
        benchmark.stopMeasurement()
    }

    Benchmark("\(id) read") { benchmark in
        let participant = domain.register(slots: 1)
        var index = 0
        var sum: UInt64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            sum &+= participant.withGuard { guardian in
                guard let node = guardian.protect(table.links + index, slot: 0).node else { return 0 }
                return node.load(as: UInt64.self)
            }
            participant.quiescentState()
            index = (index &+ 1) & 1023
        }
        benchmark.stopMeasurement()
        blackHole(sum)
    }

    // `none` keeps every retired node until drain(): 20 000 iterations of it would hold
    // 20 million nodes, and measure a list append, not a reclamation.
    if R.descriptor.family != .baseline { Benchmark("\(id) retire and reclaim") { benchmark in
        let participant = domain.register(slots: 1)
        let layout = NodeLayout(links: 0, dataBytes: 16)
        let nodes = (0..<1000).map { _ in domain.allocate(layout) }
        benchmark.startMeasurement()
        var next = 0
        for _ in benchmark.scaledIterations {
            let node = nodes[next]
            participant.withGuard { guardian in guardian.retire(node, layout) }
            participant.quiescentState()
            next &+= 1
        }
        // What is left is this iteration's too: hand it over and let the domain free it.
        participant.flush()
        domain.collect()
        benchmark.stopMeasurement()
    } }

    if R.capabilities.contains(.blockingSynchronize) {
        Benchmark("\(id) synchronize", configuration: .init(scalingFactor: .one, maxIterations: 100_000)) { benchmark in
            for _ in benchmark.scaledIterations { domain.synchronize() }
        }
    }

    if R.capabilities.contains(.crossThreadRelease) {
        Benchmark("\(id) detach and release") { benchmark in
            let participant = domain.register(slots: 1)
            let box = HandOffBox<R>()
            var index = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                participant.withGuard { guardian in
                    _ = guardian.protect(table.links + index, slot: 0)
                    box.token = guardian.detach(slot: 0)
                }
                domain.release(box.token.take()!)
                index = (index &+ 1) & 1023
            }
            benchmark.stopMeasurement()
        }
    }
}
