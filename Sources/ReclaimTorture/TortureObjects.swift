import Foundation
import ReclaimBenchSupport
import ReclaimBenchKit
import Reclamation
import Synchronization

/// One object of the torture pool (rcutorture's `struct rcu_torture`): its age in the pipe,
/// a generation bumped each time it returns to the pool, a poison word set while it is in
/// the pool, and the publication field the writer sets before publishing it.
///
/// Objects live in one array for the whole run and are never freed: a reader that sees a
/// stale one reads valid memory, so a premature reclamation is detected, never suffered.
struct TortureObject: ~Copyable {
    let age = Atomic<Int>(0)
    let generation = Atomic<UInt64>(1)
    let poison = Atomic<UInt64>(TortureObject.poisonValue)
    let ready = Atomic<UInt64>(0)

    static let poisonValue: UInt64 = 0xDEAD_BEEF_DEAD_BEEF
    /// The publication field for generation `g`: a reader that sees another value missed
    /// the writer's initialisation (no acquire/release between them).
    static func readyValue(_ generation: UInt64) -> UInt64 { generation ^ 0x5EED_5EED_0000_0000 }
}

/// The node the scheme sees: a carrier that names an object. The writer publishes a fresh
/// carrier for every new current object and retires it when the object is replaced; an
/// asynchronous scheme's deleter ages the object and re-retires it with another fresh
/// carrier (rcutorture's re-queued callback), so every stage of the pipe is a real
/// reclamation by the scheme. Freed carriers are poisoned and, where the scheme lets a
/// deleter keep the node, kept in a quarantine for a while, so that a reader holding one
/// too long reads poison instead of someone else's memory.
///
/// Payload: four atomic words — magic (live or poisoned), object index (−1: a fake
/// writer's), the object's generation when the carrier was made, a serial number.
enum TortureCarrier {
    static let layout = NodeLayout(links: 0, dataBytes: 32)
    static let live: UInt64 = 0xC0FF_EE00_C0FF_EE00
    static let poisoned: UInt64 = 0xDEAD_C0DE_DEAD_C0DE

    static func fields(_ node: UnsafeMutableRawPointer, dataOffset: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        // SAFETY: the payload is 32 bytes, 8-aligned, bound to four atomics by `initialize`.
        (node + dataOffset).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    static func initialize(_ node: UnsafeMutableRawPointer, dataOffset: Int, object: Int, generation: UInt64, serial: UInt64) {
        let words = (node + dataOffset).bindMemory(to: Atomic<UInt64>.self, capacity: 4)
        (words + 0).initialize(to: Atomic(live))
        (words + 1).initialize(to: Atomic(UInt64(bitPattern: Int64(object))))
        (words + 2).initialize(to: Atomic(generation))
        (words + 3).initialize(to: Atomic(serial))
    }
}

/// The state a torture run shares between its threads and the carrier deleter: the
/// object pool, the re-queue of objects whose carrier was freed, the quarantine, counters
/// and the first failure.
final class TortureState: @unchecked Sendable {
    // SAFETY: every field is immutable, atomic, or behind its own lock.
    let options: TortureOptions
    let objects: UnsafeMutablePointer<TortureObject>
    let objectCount: Int
    let dataOffset: Int
    let keepsCarriers: Bool

    let pool = Locked<[Int]>([])
    let requeue = Locked<[Int]>([])
    let quarantine = Locked<[UInt]>([])
    static let quarantineLimit = 1 << 16

    let stop = Atomic<Bool>(false)
    let replacements = Atomic<Int>(0)
    let reads = Atomic<Int>(0)
    let carriersMade = Atomic<Int>(0)
    let carriersFreed = Atomic<Int>(0)
    let carrierSerial = Atomic<UInt64>(0)
    let poolEmpty = Atomic<Int>(0)
    let counts = Locked<TortureCounts>(TortureCounts())
    let failure = Locked<TortureFailure?>(nil)
    let startNanoseconds = MonotonicClock.nanoseconds()

    init(options: TortureOptions, dataOffset: Int, keepsCarriers: Bool) {
        self.options = options
        self.dataOffset = dataOffset
        self.keepsCarriers = keepsCarriers
        objectCount = options.pipeLength * options.objectsPerStage
        objects = UnsafeMutablePointer<TortureObject>.allocate(capacity: objectCount)
        for index in 0..<objectCount { (objects + index).initialize(to: TortureObject()) }
        pool.withLock { $0 = Array(0..<objectCount) }
    }

    deinit {
        objects.deinitialize(count: objectCount)
        objects.deallocate()
    }

    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// What retiring a carrier runs when the scheme frees it.
    static let carrierDeleter: NodeDeleter.Function = { node, context in
        Unmanaged<TortureState>.fromOpaque(context!).takeUnretainedValue().carrierFreed(node)
    }

    var deleter: NodeDeleter { NodeDeleter(Self.carrierDeleter, context: context) }

    var stopping: Bool { stop.load(ordering: .relaxed) }  // ORDERING: a flag; every thread is joined before results are read

    var elapsedSeconds: Double { Double(MonotonicClock.nanoseconds() - startNanoseconds) / 1e9 }

    /// Records the first failure (later ones are counted) and stops the run.
    func fail(_ kind: TortureFailure.Kind, _ detail: String) {
        let replacementsNow = replacements.load(ordering: .relaxed)  // ORDERING: a statistic
        let isFirst = failure.withLock { first -> Bool in
            if first == nil {
                first = TortureFailure(kind: kind, detail: detail, atSeconds: elapsedSeconds, replacements: replacementsNow, count: 1)
                return true
            }
            first!.count += 1
            return false
        }
        stop.store(true, ordering: .relaxed)  // ORDERING: a flag
        // Said at once, on stderr: a failure under a real use-after-free can be followed by
        // a crash of another thread before the report is printed.
        if isFirst {
            let reproduce = Torture.reproduceCommand.withLock { $0 }.map { "\nreproduce: \($0)" } ?? ""
            FileHandle.standardError.write(Data("FAILING at replacement \(replacementsNow): \(kind.rawValue) — \(detail)\(reproduce)\n".utf8))
            if let limit = options.exitAfterFailureSeconds { armExitAfterFailure(seconds: limit) }
        }
    }

    /// A failed scheme may leave a thread blocked inside it — a grace period that never
    /// ends, a list it corrupted — and the thread that would notice may be that one, or
    /// the supervisor waiting on it in a stutter's drain: armed at the first failure, not
    /// after the threads stop. The command line asks for this; a test process (planted
    /// schemes fail on purpose, slowly under a sanitizer) must not be ended by it.
    func armExitAfterFailure(seconds limit: Int) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit))
            FileHandle.standardError.write(Data("torture: threads still running \(limit) s after the first failure (above); ending the run: FAILURE\n".utf8))
            exit(1)
        }
    }

    // MARK: carriers

    func makeCarrier(_ node: UnsafeMutableRawPointer, object: Int) {
        // ORDERING: relaxed; the carrier reaches readers only through a releasing publication.
        let generation = object >= 0 ? objects[object].generation.load(ordering: .relaxed) : 0
        let serial = carrierSerial.add(1, ordering: .relaxed).newValue  // ORDERING: a serial number
        TortureCarrier.initialize(node, dataOffset: dataOffset, object: object, generation: generation, serial: serial)
        carriersMade.add(1, ordering: .relaxed)  // ORDERING: a statistic
    }

    /// The scheme freed `node` (a carrier): poison it, age its object, re-queue or pool it.
    func carrierFreed(_ node: UnsafeMutableRawPointer) {
        let words = TortureCarrier.fields(node, dataOffset: dataOffset)
        // ORDERING: acq_rel exchange: a second free of the same carrier sees the poison.
        let magic = words[0].exchange(TortureCarrier.poisoned, ordering: .acquiringAndReleasing)
        guard magic == TortureCarrier.live else {
            fail(.doubleFree, "the scheme freed a carrier twice (serial \(words[3].load(ordering: .relaxed)))")
            return
        }
        carriersFreed.add(1, ordering: .relaxed)  // ORDERING: a statistic
        let object = Int(Int64(bitPattern: words[1].load(ordering: .relaxed)))  // ORDERING: written before the carrier was retired
        if keepsCarriers { quarantine.withLock { $0.append(UInt(bitPattern: node)) } }
        if object >= 0 { age(object) }
    }

    /// One more grace period for `object`: re-queue it, or return it to the pool at the end
    /// of the pipe.
    func age(_ object: Int) {
        // ORDERING: acq_rel; the ages of one object form one modification order.
        let age = objects[object].age.add(1, ordering: .acquiringAndReleasing).newValue
        if age >= options.pipeLength { returnToPool(object) } else { requeue.withLock { $0.append(object) } }
    }

    func returnToPool(_ object: Int) {
        let entry = objects + object
        entry.pointee.poison.store(TortureObject.poisonValue, ordering: .relaxed)  // ORDERING: published by the generation's release
        entry.pointee.ready.store(0, ordering: .relaxed)
        entry.pointee.generation.add(1, ordering: .releasing)  // ORDERING: readers compare generations
        pool.withLock { $0.append(object) }
    }

    /// Takes the pool's oldest object and readies it for publication (age 0, unpoisoned,
    /// the publication field set); nil when the pool is empty.
    func takeFromPool() -> Int? {
        guard let object = pool.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            poolEmpty.add(1, ordering: .relaxed)  // ORDERING: a statistic
            return nil
        }
        let entry = objects + object
        // ORDERING: relaxed; published by the carrier's releasing store into the root.
        let generation = entry.pointee.generation.load(ordering: .relaxed)
        entry.pointee.age.store(0, ordering: .relaxed)
        entry.pointee.poison.store(0, ordering: .relaxed)
        entry.pointee.ready.store(TortureObject.readyValue(generation), ordering: .relaxed)
        return object
    }

    var poolCount: Int { pool.withLock { $0.count } }
}

/// Acquire and release counts per path; at the end each pair must balance.
public struct TortureCounts: Sendable, Equatable {
    public var directAcquired = 0, directReleased = 0
    public var deferredAcquired = 0, deferredReleased = 0
    public var longAcquired = 0, longReleased = 0
    /// Checks of a protected carrier and its object (after protect, during holds, before release).
    public var checks = 0
    /// Protections that found the root empty (none expected: the first object is
    /// published before the readers start).
    public var emptyReads = 0
    public var syncGracePeriods = 0
    public var asyncRetires = 0
    public var stutterChecks = 0
    public var churnedThreads = 0
    public var sleeps = 0
    public var sleptNanoseconds: UInt64 = 0
    /// Reads that flushed inside their guard, holding the carrier.
    public var flushesInGuard = 0
    /// Reader Pipe: how many reads saw each age (the last bucket: pipe length + 1 or more).
    public var pipe: [Int] = []

    public init() {}

    /// What does not balance (acquired/released per path), or nil.
    package var imbalance: String? {
        guard directAcquired != directReleased || deferredAcquired != deferredReleased || longAcquired != longReleased else { return nil }
        return "acquired/released: direct \(directAcquired)/\(directReleased), deferred \(deferredAcquired)/\(deferredReleased), long-held \(longAcquired)/\(longReleased)"
    }

    mutating func add(_ other: TortureCounts) {
        directAcquired += other.directAcquired; directReleased += other.directReleased
        deferredAcquired += other.deferredAcquired; deferredReleased += other.deferredReleased
        longAcquired += other.longAcquired; longReleased += other.longReleased
        checks += other.checks
        emptyReads += other.emptyReads
        syncGracePeriods += other.syncGracePeriods; asyncRetires += other.asyncRetires
        stutterChecks += other.stutterChecks; churnedThreads += other.churnedThreads
        sleeps += other.sleeps; sleptNanoseconds += other.sleptNanoseconds
        flushesInGuard += other.flushesInGuard
        if pipe.count < other.pipe.count { pipe += Array(repeating: 0, count: other.pipe.count - pipe.count) }
        for (index, value) in other.pipe.enumerated() { pipe[index] += value }
    }
}

/// Why a run failed.
public struct TortureFailure: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case prematureAge = "premature reclamation"
        case carrierFreedUnderProtection = "node freed under protection"
        case objectPoisoned = "object in the pool under protection"
        case generationChanged = "object recycled under protection"
        case publication = "publication check"
        case doubleFree = "double free"
        case writerStarved = "writer starved"
        case unbalanced = "unbalanced acquire/release"
        case leaked = "objects not back in the pool"
    }

    public var kind: Kind
    public var detail: String
    public var atSeconds: Double
    /// Writer replacements when it was seen.
    public var replacements: Int
    /// Failures seen in all (the run stops at the first, so usually 1).
    public var count: Int
}
