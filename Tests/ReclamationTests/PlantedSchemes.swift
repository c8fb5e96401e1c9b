// Deliberately broken schemes: each is correct except for one planted fault, so that the
// conformance check that should catch the fault is shown to catch it.
//
// The base is the simplest correct scheme there is: readers do nothing, retired nodes are
// kept, and drain() frees them once every participant has left (like `none`). The faults:
//   frees-on-retire       — retire frees at once (a reader may hold the node)
//   frees-twice-in-drain  — drain runs every deleter twice
//   drops-garbage-on-exit — a leaving participant forgets its garbage
//   allocates-on-read     — protect() allocates and frees a small block
// Hazard-pointer faults are planted in HazardPointerDomain itself (@_spi(Planted)).

import ReclaimBenchSupport
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

enum PlantedFault: String, Sendable { case freesOnRetire, freesTwiceInDrain, dropsGarbageOnExit, allocatesOnRead }

protocol PlantedFaultMarker { static var fault: PlantedFault { get } }
enum FreesOnRetire: PlantedFaultMarker { static let fault = PlantedFault.freesOnRetire }
enum FreesTwiceInDrain: PlantedFaultMarker { static let fault = PlantedFault.freesTwiceInDrain }
enum DropsGarbageOnExit: PlantedFaultMarker { static let fault = PlantedFault.dropsGarbageOnExit }
enum AllocatesOnRead: PlantedFaultMarker { static let fault = PlantedFault.allocatesOnRead }

/// A retired node and how to free it.
struct PlantedEntry: @unchecked Sendable {
    // SAFETY: a node address handed from a retiring thread to drain() under the mutex.
    let node: UnsafeMutableRawPointer
    let deleter: NodeDeleter?

    func reclaim() {
        if let deleter { deleter.function(node, deleter.context) } else { free(node) }
    }
}

/// Retired and freed counts of a planted domain.
final class PlantedCounters: Sendable {
    let retired = Atomic<UInt64>(0)
    let freed = Atomic<UInt64>(0)

    func reclaim(_ entry: PlantedEntry) {
        entry.reclaim()
        freed.add(1, ordering: .relaxed)  // ORDERING: a statistic read after the threads joined
    }
}

/// A participant's garbage (owner-only until handed over).
final class PlantedLocalGarbage: @unchecked Sendable {
    // SAFETY: `entries` is touched only by the owning participant's thread.
    var entries: [PlantedEntry] = []
    let counters: PlantedCounters
    /// allocates-on-read keeps its latest block here, so the optimizer cannot elide the
    /// malloc/free pair (release builds did).
    var lastAllocation: UnsafeMutableRawPointer?
    init(counters: PlantedCounters) { self.counters = counters }
    deinit { free(lastAllocation) }
}

final class PlantedDomain<Marker: PlantedFaultMarker>: Reclaimer, @unchecked Sendable {
    // SAFETY: shared state is behind `state`'s mutex.
    typealias Link = AtomicNodeLink
    typealias Participant = PlantedParticipant<Marker>
    typealias Guard = PlantedGuard<Marker>

    static var capabilities: ReclaimerCapabilities { [.markedLinks] }

    static var descriptor: SchemeDescriptor {
        SchemeDescriptor(id: "planted-\(Marker.fault.rawValue)", family: .baseline,
                         summary: "a deliberately broken scheme", reference: "test target",
                         capabilities: capabilities, nodeHeaderBytes: 0)
    }

    let configuration: ReclaimerConfiguration
    let counters = PlantedCounters()
    let state = Locked<(entries: [PlantedEntry], participants: Int)>(([], 0))

    init(configuration: ReclaimerConfiguration) { self.configuration = configuration }

    func register(slots: Int) -> PlantedParticipant<Marker> {
        state.withLock { $0.participants += 1 }
        return PlantedParticipant(domain: self)
    }

    func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer {
        let node = malloc(layout.allocationBytes(Self.self))!
        let links = node.bindMemory(to: AtomicNodeLink.self, capacity: layout.linkCount)
        for index in 0..<layout.linkCount { (links + index).initialize(to: AtomicNodeLink(.null)) }
        return node
    }

    func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { free(node) }
    func collect() {}
    func synchronize() {}
    func barrier() { drain() }

    func drain() {
        let entries = state.withLock { state -> [PlantedEntry] in
            precondition(state.participants == 0, "planted drain with participants registered")
            defer { state.entries = [] }
            return state.entries
        }
        for entry in entries { counters.reclaim(entry) }
        if Marker.fault == .freesTwiceInDrain { for entry in entries { counters.reclaim(entry) } }
    }

    var statistics: ReclaimerStatistics {
        ReclaimerStatistics(retired: counters.retired.load(ordering: .relaxed),
                            freed: counters.freed.load(ordering: .relaxed), peakPending: 0)
    }
    func garbageBound(retiresPerGuard: Int) -> Int? { nil }

    func handOver(_ garbage: PlantedLocalGarbage) {
        let entries = garbage.entries
        garbage.entries = []
        state.withLock { $0.entries += entries }
    }

    func leave(_ garbage: PlantedLocalGarbage) {
        if Marker.fault == .dropsGarbageOnExit { garbage.entries = [] } else { handOver(garbage) }
        state.withLock { $0.participants -= 1 }
    }
}

struct PlantedParticipant<Marker: PlantedFaultMarker>: ReclaimerParticipant, ~Copyable {
    typealias Domain = PlantedDomain<Marker>
    let domain: PlantedDomain<Marker>
    let garbage: PlantedLocalGarbage

    init(domain: PlantedDomain<Marker>) {
        self.domain = domain
        self.garbage = PlantedLocalGarbage(counters: domain.counters)
    }

    func withGuard<Result, Failure: Error>(
        _ body: (borrowing PlantedGuard<Marker>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(PlantedGuard(garbage: garbage))
    }

    func flush() { domain.handOver(garbage) }
    func quiescentState() {}
    deinit { domain.leave(garbage) }
}

struct PlantedGuard<Marker: PlantedFaultMarker>: ReclaimerGuard, ~Copyable {
    typealias Domain = PlantedDomain<Marker>
    let garbage: PlantedLocalGarbage

    func protect(_ link: UnsafeMutablePointer<AtomicNodeLink>, slot: Int) -> TaggedNode {
        if Marker.fault == .allocatesOnRead {
            free(garbage.lastAllocation)
            garbage.lastAllocation = malloc(24)
        }
        return link.pointee.load(.acquiring)
    }
    func resetProtection(slot: Int) {}

    func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout) { retire(PlantedEntry(node: node, deleter: nil)) }
    func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter) { retire(PlantedEntry(node: node, deleter: deleter)) }

    private func retire(_ entry: PlantedEntry) {
        garbage.counters.retired.add(1, ordering: .relaxed)  // ORDERING: a statistic
        if Marker.fault == .freesOnRetire { garbage.counters.reclaim(entry) } else { garbage.entries.append(entry) }
    }
}
