// The stress build: named injection points in the schemes' ordering protocols, and a
// store-buffer model of the publishes that a fence or a membarrier must order.
//
// Built with RECLAIMBENCH_STRESS=1 in the environment (Package.swift defines the
// condition; build it in a folder of its own, `--build-path .build-stress`, as
// scripts/mutation-check.sh does). In the normal build every function here is an inlined plain
// store, fence or nothing: the instruction-count check (scripts/instruction-check.sh)
// shows the hot paths unchanged.
//
// Injection points, after rcutorture's random delays (rcu_torture_read_delay) and
// hazptrtorture: each names a window between two halves of an ORDERING edge (a publish and
// its re-validation, a fence and the loads it orders, a destination written and its source
// not yet cleared, a census between two records, a grace-period wait, an unlink and its
// retire, a leaving thread between its flush and its exit). A thread reaching one draws
// from its own seeded generator and now and then yields, spins or sleeps there, more often
// in the windows that decide safety.
//
// The store-buffer model (x86-TSO, P. Sewell et al., "x86-TSO: a rigorous and usable
// programmer's model for x86 multiprocessors", CACM 53(7), 2010): on x86 a store waits in
// the storing CPU's buffer while later loads go ahead, so a reader's publish can be
// invisible to a scanner that reads the slot after the reader re-validated — unless a fence
// (the reader's, for hp and ebr) or the scanner's membarrier (hp-asym, rcu) drains it.
// Timing alone never shows a missing fence on x86, because real buffers drain in
// nanoseconds. In the stress build the modelled publishes (`publishWord`) stay in a one-entry
// per-thread buffer until the thread fences (`fullFence`), publishes again, reads its own word
// (`ownWord`), ends its guard, stalls at an injection point, or another thread's
// `membarrierAllCPUs` drains every buffer. Draining
// earlier than a CPU would is always a legal TSO execution; holding a store longer than a
// CPU would is what makes a missing fence fail.

import CReclaimSupport
internal import ReclaimBenchSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A window in an ordering protocol where the stress build may stall the thread.
public enum StressPoint: Int, CaseIterable, Sendable {
    /// A protection published, its link not yet re-read (HP-E1, HPA-E1, HPC-E1, CKHP-E1).
    case publishedBeforeRevalidation
    /// A fence (or membarrier) issued, the loads it orders not yet made (HP-E1, GP-E3,
    /// EBR-E1 on the advancer's side).
    case fencedBeforeLoads
    /// An epoch pinned or a grace-period word stored, its fence not yet issued (EBR-E1, QS-E2).
    case publishedBeforeFence
    /// A protection written to its destination, the source slot not yet cleared (HPC-E3,
    /// HP-E3: hp-percpu's move to a backup slot, a hand-off).
    case movedBeforeSourceCleared
    /// A census between two records (an epoch advance, a grace period's scan, a slot scan).
    case censusBetweenRecords
    /// Inside a grace-period wait, between two polls.
    case gracePeriodWait
    /// A node unlinked, not yet retired.
    case unlinkedBeforeRetire
    /// A leaving thread between handing over its garbage and leaving the registry.
    case leavingBeforeExit
    /// A count taken, not yet re-validated (rc: RC-E1).
    case countedBeforeRevalidation
    /// Inside a read section (ebr, qsbr, rcu and the C epoch and RCU libraries): a link
    /// read, the node not yet used — where a grace period that missed the reader frees it.
    case loadedBeforeUse

    public var name: String {
        switch self {
        case .publishedBeforeRevalidation: "published-before-revalidation"
        case .fencedBeforeLoads: "fenced-before-loads"
        case .publishedBeforeFence: "published-before-fence"
        case .movedBeforeSourceCleared: "moved-before-source-cleared"
        case .censusBetweenRecords: "census-between-records"
        case .gracePeriodWait: "grace-period-wait"
        case .unlinkedBeforeRetire: "unlinked-before-retire"
        case .leavingBeforeExit: "leaving-before-exit"
        case .countedBeforeRevalidation: "counted-before-revalidation"
        case .loadedBeforeUse: "loaded-before-use"
        }
    }

    /// One hit in this many stalls (the windows that decide safety are opened more often).
    var stallOneIn: UInt64 {
        switch self {
        case .publishedBeforeRevalidation, .movedBeforeSourceCleared, .fencedBeforeLoads, .publishedBeforeFence: 16
        case .censusBetweenRecords, .countedBeforeRevalidation, .unlinkedBeforeRetire, .loadedBeforeUse: 32
        case .gracePeriodWait, .leavingBeforeExit: 4
        }
    }
}

/// Whether this binary is the stress build.
public var isStressBuild: Bool {
    #if RECLAIMBENCH_STRESS
    true
    #else
    false
    #endif
}

/// Marks an injection point (nothing in the normal build).
@inlinable @inline(__always)
public func stressPoint(_ point: StressPoint) {
    #if RECLAIMBENCH_STRESS
    StressInjection.reached(point)
    #endif
}

/// The ordering a modelled publish asks for.
@frozen
public enum PublishOrdering: Sendable {
    /// A plain store on x86: it may wait in the store buffer.
    case releasing
    /// A store that drains the buffer (xchg on x86).
    case sequentiallyConsistent
}

/// A publish that a fence or a membarrier must make visible (a hazard slot, an epoch pin,
/// a grace-period word; `UInt` or `UInt64`: 8 bytes, as the model's buffer writes them
/// back): a store with `ordering` in the normal build.
@inlinable @inline(__always)
public func publishWord<Word: FixedWidthInteger & AtomicRepresentable>(
    _ word: UnsafeMutablePointer<Atomic<Word>>, _ value: Word, _ ordering: PublishOrdering
) where Word.AtomicRepresentation == _Atomic64BitStorage {
    #if RECLAIMBENCH_STRESS
    StoreBufferModel.publish(UnsafeMutableRawPointer(word), UInt64(truncatingIfNeeded: value),
                             drain: ordering == .sequentiallyConsistent)
    #else
    switch ordering {
    case .releasing: word.pointee.store(value, ordering: .releasing)
    case .sequentiallyConsistent: word.pointee.store(value, ordering: .sequentiallyConsistent)
    }
    #endif
}

/// The thread's own word, relaxed: a CPU forwards its own buffered store, so in the model
/// the thread's buffer drains first.
@inlinable @inline(__always)
public func ownWord<Word: FixedWidthInteger & AtomicRepresentable>(
    _ word: UnsafeMutablePointer<Atomic<Word>>
) -> Word where Word.AtomicRepresentation == _Atomic64BitStorage {
    #if RECLAIMBENCH_STRESS
    StoreBufferModel.drainOwn()
    #endif
    // ORDERING: relaxed; the caller's own word, written only by this thread.
    return word.pointee.load(ordering: .relaxed)
}

/// A full fence by this thread (seq_cst; in the model it also drains this thread's buffer).
@inlinable @inline(__always)
public func fullFence() {
    #if RECLAIMBENCH_STRESS
    StoreBufferModel.drainOwn()
    #endif
    atomicMemoryFence(ordering: .sequentiallyConsistent)
}

/// This thread's buffered publishes become visible (the model's end of a read section;
/// nothing in the normal build, where the section's release store follows them in order).
@inlinable @inline(__always)
public func drainOwnPublishes() {
    #if RECLAIMBENCH_STRESS
    StoreBufferModel.drainOwn()
    #endif
}

/// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): a full barrier on every CPU running one of
/// this process's threads (in the model it first drains every thread's buffer). Returns
/// the system call's result.
@inlinable @inline(__always)
public func membarrierAllCPUs() -> Int32 {
    #if RECLAIMBENCH_STRESS
    StoreBufferModel.drainAll()
    #endif
    return rs_membarrier_private_expedited()
}

#if RECLAIMBENCH_STRESS

/// The stress build's injection: seeded, per thread, counted per point.
public enum StressInjection {
    static let enabled = Atomic<Bool>(false)
    static let seed = Atomic<UInt64>(0)
    static let threads = Atomic<UInt64>(0)
    nonisolated(unsafe) static let hits = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: StressPoint.allCases.count)
    nonisolated(unsafe) static let stalls = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: StressPoint.allCases.count)
    static let initialized: Bool = {
        for index in 0..<StressPoint.allCases.count {
            (hits + index).initialize(to: Atomic(0))
            (stalls + index).initialize(to: Atomic(0))
        }
        return true
    }()

    /// Turns injection on with `seed` (each thread's generator: seed and its arrival order).
    public static func start(seed value: UInt64) {
        _ = initialized
        seed.store(value, ordering: .relaxed)  // ORDERING: read after `enabled`'s release
        enabled.store(true, ordering: .releasing)
    }

    public static func stop() { enabled.store(false, ordering: .releasing) }

    /// Hits and stalls per point since the process started.
    public static func counts() -> [(point: StressPoint, hits: UInt64, stalls: UInt64)] {
        _ = initialized
        return StressPoint.allCases.map { point in
            // ORDERING: statistics.
            (point, hits[point.rawValue].load(ordering: .relaxed), stalls[point.rawValue].load(ordering: .relaxed))
        }
    }

    @usableFromInline
    @inline(never)
    static func reached(_ point: StressPoint) {
        // ORDERING: acquire pairs with start()'s release (the seed).
        guard enabled.load(ordering: .acquiring) else { return }
        _ = initialized
        hits[point.rawValue].add(1, ordering: .relaxed)  // ORDERING: a statistic
        let state = rs_stress_random_state()!
        if state.pointee == 0 {
            // ORDERING: relaxed; an arrival number.
            let arrival = threads.add(1, ordering: .relaxed).newValue
            state.pointee = seed.load(ordering: .relaxed) ^ (arrival &* 0x9E37_79B9_7F4A_7C15) | 1
        }
        // The project's SplitMix64, its state kept in C thread-local storage between hits.
        var random = SplitMix64(seed: state.pointee)
        defer { state.pointee = random.state | 1 }
        guard random.next() % point.stallOneIn == 0 else { return }
        stalls[point.rawValue].add(1, ordering: .relaxed)  // ORDERING: a statistic
        let draw = random.next()
        switch draw % 8 {
        case 0..<4:
            // A context switch drains the store buffer: what the thread published before
            // this point is visible for the whole stall.
            StoreBufferModel.drainOwn()
            sched_yield()
        case 4..<6:
            // A spinning CPU keeps running; the model keeps its buffer (the exaggeration
            // that lets a missing fence be seen: a real buffer drains in nanoseconds).
            for _ in 0..<(1 + draw >> 40 % 2000) { rs_cpu_relax() }
        default:
            StoreBufferModel.drainOwn()
            var request = timespec(tv_sec: 0, tv_nsec: Int(1 + (draw >> 32) % 100) * 1000)
            nanosleep(&request, nil)
        }
    }
}

/// A one-entry store buffer per thread. States: 0 empty, 1 a store pending, 2 being drained
/// (by its owner or by a membarrier).
public enum StoreBufferModel {
    final class Buffer: @unchecked Sendable {
        // SAFETY: every field is an atomic; `next` is written once, before the buffer is
        // published on the list.
        let state = Atomic<Int>(0)
        let address = Atomic<UInt>(0)
        let value = Atomic<UInt64>(0)
        var next: Buffer?
        init() {}

        /// Performs the pending store if this caller wins it; waits while another drains.
        func drain() {
            while true {
                // ORDERING: acquire pairs with publish's release of the entry.
                let (won, seen) = state.compareExchange(expected: 1, desired: 2, ordering: .acquiring)
                if won {
                    let target = UnsafeMutableRawPointer(bitPattern: address.load(ordering: .relaxed))!
                    // ORDERING: release, as the modelled store itself (a release store).
                    target.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.store(value.load(ordering: .relaxed), ordering: .releasing)
                    state.store(0, ordering: .releasing)  // ORDERING: the entry is free again
                    return
                }
                if seen == 0 { return }
                rs_cpu_relax()  // another thread is performing it: wait for it to be visible
            }
        }
    }

    /// Every thread's buffer (buffers are never freed: a thread leaves its empty buffer).
    static let head = Atomic<UInt>(0)
    /// Publishes that stayed in a buffer until a membarrier drained them.
    static let drainedByMembarrier = Atomic<UInt64>(0)

    static func own() -> Buffer {
        if let raw = rs_stress_store_buffer() { return Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue() }
        let buffer = Buffer()
        let raw = Unmanaged.passRetained(buffer).toOpaque()
        var current = head.load(ordering: .acquiring)
        while true {
            buffer.next = UnsafeMutableRawPointer(bitPattern: current).map { Unmanaged<Buffer>.fromOpaque($0).takeUnretainedValue() }
            // ORDERING: release publishes `next` with the buffer.
            let (done, seen) = head.compareExchange(expected: current, desired: UInt(bitPattern: raw), ordering: .acquiringAndReleasing)
            if done { break }
            current = seen
        }
        rs_set_stress_store_buffer(raw)
        return buffer
    }

    @usableFromInline
    @inline(never)
    static func publish(_ word: UnsafeMutableRawPointer, _ value: UInt64, drain: Bool) {
        let buffer = own()
        buffer.drain()  // FIFO: an earlier store becomes visible first
        guard !drain, StressInjection.enabled.load(ordering: .acquiring) else {
            word.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.store(value, ordering: .sequentiallyConsistent)
            return
        }
        buffer.address.store(UInt(bitPattern: word), ordering: .relaxed)
        buffer.value.store(value, ordering: .relaxed)
        buffer.state.store(1, ordering: .releasing)  // ORDERING: pairs with drain's acquire
    }

    @usableFromInline
    @inline(never)
    static func drainOwn() {
        guard let raw = rs_stress_store_buffer() else { return }
        Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue().drain()
    }

    @usableFromInline
    @inline(never)
    static func drainAll() {
        var current = UnsafeMutableRawPointer(bitPattern: head.load(ordering: .acquiring)).map {
            Unmanaged<Buffer>.fromOpaque($0).takeUnretainedValue()
        }
        while let buffer = current {
            // ORDERING: relaxed; a statistic.
            if buffer.state.load(ordering: .relaxed) == 1 { drainedByMembarrier.add(1, ordering: .relaxed) }
            buffer.drain()
            current = buffer.next
        }
    }

    /// Publishes a membarrier found waiting in a buffer (the model at work).
    public static var membarrierDrains: UInt64 { drainedByMembarrier.load(ordering: .relaxed) }  // ORDERING: a statistic
}

#endif
