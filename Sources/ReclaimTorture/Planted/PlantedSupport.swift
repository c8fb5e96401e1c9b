import ReclaimBenchKit
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the planted schemes share: nodes from the system `malloc` (no header), retired
/// entries, counters. Each planted scheme is small and correct except for its one fault,
/// so that what the torture test catches is the fault and nothing else.
enum PlantedNodes {
    static func allocate<R: Reclaimer>(_ layout: NodeLayout, _ scheme: R.Type) -> UnsafeMutableRawPointer
    where R.Link == AtomicNodeLink {
        let node = malloc(layout.allocationBytes(R.self))!
        let links = node.bindMemory(to: AtomicNodeLink.self, capacity: layout.linkCount)
        for index in 0..<layout.linkCount { (links + index).initialize(to: AtomicNodeLink(.null)) }
        return node
    }
}

/// A retired node and how to free it.
struct PlantedRetired: @unchecked Sendable {
    // SAFETY: a node address handed between threads under a lock, freed once.
    let node: UnsafeMutableRawPointer
    let deleter: NodeDeleter?
    /// ebr: the epoch it was retired in.
    var epoch: UInt64 = 0

    var address: UInt { UInt(bitPattern: node) }
}

/// Retired and freed counts.
final class PlantedCounters: Sendable {
    let retired = Atomic<UInt64>(0)
    let freed = Atomic<UInt64>(0)

    func free(_ entry: PlantedRetired) {
        if let deleter = entry.deleter { deleter.function(entry.node, deleter.context) } else { Glibc.free(entry.node) }
        freed.add(1, ordering: .relaxed)  // ORDERING: a statistic
    }

    func noteRetired() { retired.add(1, ordering: .relaxed) }  // ORDERING: a statistic

    var statistics: ReclaimerStatistics {
        // ORDERING: statistics, read after the threads that count have joined.
        ReclaimerStatistics(retired: retired.load(ordering: .relaxed), freed: freed.load(ordering: .relaxed), peakPending: 0)
    }
}
