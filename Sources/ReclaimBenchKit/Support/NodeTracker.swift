import ReclaimBenchSupport
import Reclamation
import Synchronization

/// Counts every tracked node's life: allocated with an id, freed how many times, intact or
/// poisoned. Its deleter is what the conformance suite retires nodes with, so a scheme's
/// frees are observed exactly, and a premature free is seen by the reader that holds the
/// node (swift-atomics' LifetimeTracked, crossbeam's DROPS counter, rcutorture's poison).
///
/// Two modes:
/// - `quarantine`: the deleter poisons the node (magic, generation bump) and keeps its
///   memory until `releaseQuarantine()`, so a reader that still holds it reads poison,
///   never freed memory — safe under ASan even when a planted scheme frees too early.
/// - otherwise: the deleter frees the node on its first call; a second call is recorded
///   as a double free and frees nothing (so a planted double free cannot corrupt the heap).
///   It finds the node's id by address in a table of live nodes, never by reading the node:
///   after the first free its memory is gone.
///
/// Node data (relaxed atomics, so that a planted early free is a detected bug, not a data
/// race): magic, generation, id, check = id ^ generation ^ salt.
public final class NodeTracker: @unchecked Sendable {
    // SAFETY: the per-id counters are atomics; `addresses` is written once per id before
    // the node is published (the publishing release orders it) and read after.
    public static let layout = NodeLayout(links: 0, dataBytes: 32)
    static let liveMagic: UInt64 = 0x11FE_11FE_11FE_11FE
    static let poisonMagic: UInt64 = 0xDEAD_DEAD_DEAD_DEAD
    static let salt: UInt64 = 0x5EED_0F_C0FFEE

    public let capacity: Int
    public let quarantine: Bool
    private let freeCounts: UnsafeMutablePointer<Atomic<UInt32>>
    private let addresses: UnsafeMutablePointer<UInt>
    private let nextID = Atomic<Int>(0)
    /// Non-quarantine mode: live node address → id, and frees of addresses not live.
    private let live = Locked<[UInt: Int]>([:])
    private let unknownFrees = Atomic<Int>(0)
    private let allocateNode: @Sendable () -> UnsafeMutableRawPointer
    private let freeNode: @Sendable (UnsafeMutableRawPointer) -> Void
    private let dataOffset: Int
    /// False for arc: the node's memory goes when the deleter returns, so the tracker
    /// neither frees it nor keeps it.
    private let deleterMayKeepNode: Bool

    /// Tracks up to `capacity` nodes of `domain`.
    public init<R: Reclaimer>(domain: R, capacity: Int, quarantine: Bool) {
        self.capacity = capacity
        self.quarantine = quarantine
        freeCounts = .allocate(capacity: capacity)
        for index in 0..<capacity { (freeCounts + index).initialize(to: Atomic(0)) }
        addresses = .allocate(capacity: capacity)
        addresses.initialize(repeating: 0, count: capacity)
        let layout = Self.layout
        allocateNode = { domain.allocate(layout) }
        freeNode = { domain.deallocate($0, layout) }
        dataOffset = layout.dataOffset(R.self)
        deleterMayKeepNode = R.descriptor.deleterMayKeepNode
    }

    deinit {
        freeCounts.deinitialize(count: capacity)
        freeCounts.deallocate()
        addresses.deallocate()
    }

    /// The deleter to retire tracked nodes with.
    public var deleter: NodeDeleter {
        NodeDeleter({ node, context in
            Unmanaged<NodeTracker>.fromOpaque(context!).takeUnretainedValue().deleted(node)
        }, context: Unmanaged.passUnretained(self).toOpaque())
    }

    private func fields(_ node: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Atomic<UInt64>> {
        // SAFETY: makeNode bound the 32 data bytes to four Atomic<UInt64>.
        (node + dataOffset).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    /// A new live node with the next id.
    public func makeNode() -> UnsafeMutableRawPointer {
        let id = nextID.add(1, ordering: .relaxed).oldValue  // ORDERING: ids only need to be unique
        precondition(id < capacity, "NodeTracker: more than \(capacity) nodes")
        let node = allocateNode()
        let words = (node + dataOffset).bindMemory(to: Atomic<UInt64>.self, capacity: 4)
        // ORDERING: relaxed; the structure publishes the node with a release store/CAS.
        words.initialize(to: Atomic(Self.liveMagic))
        (words + 1).initialize(to: Atomic(1))
        (words + 2).initialize(to: Atomic(UInt64(id)))
        (words + 3).initialize(to: Atomic(UInt64(id) ^ 1 ^ Self.salt))
        addresses[id] = UInt(bitPattern: node)
        if !quarantine { live.withLock { $0[UInt(bitPattern: node)] = id } }
        return node
    }

    /// Nodes made so far.
    public var made: Int { nextID.load(ordering: .relaxed) }

    /// What a reader sees of a node it protects: nil when intact, else what is wrong.
    public func inspect(_ node: UnsafeMutableRawPointer) -> String? {
        let words = fields(node)
        // ORDERING: relaxed reads of a node the scheme promises is alive; a premature free
        // shows as poison, a generation change or a free count, whichever comes first.
        let magic = words[0].load(ordering: .relaxed)
        let generation = words[1].load(ordering: .relaxed)
        let id = words[2].load(ordering: .relaxed)
        let check = words[3].load(ordering: .relaxed)
        if magic != Self.liveMagic { return "node read after free (poisoned, magic 0x\(String(magic, radix: 16)))" }
        if check != id ^ generation ^ Self.salt || Int(id) >= capacity { return "node fields torn (id \(id))" }
        if freeCounts[Int(id)].load(ordering: .acquiring) != 0 { return "node \(id) freed while protected" }
        if words[1].load(ordering: .relaxed) != generation { return "node \(id) generation changed under protection" }
        return nil
    }

    /// Deleter body.
    func deleted(_ node: UnsafeMutableRawPointer) {
        if !quarantine {
            guard let id = live.withLock({ $0.removeValue(forKey: UInt(bitPattern: node)) }) else {
                unknownFrees.add(1, ordering: .relaxed)  // ORDERING: read after the threads joined
                return  // freed before (or never ours): count it, touch nothing
            }
            freeCounts[id].add(1, ordering: .acquiringAndReleasing)
            if deleterMayKeepNode { freeNode(node) }
            return
        }
        let words = fields(node)
        let id = Int(words[2].load(ordering: .relaxed))
        // ORDERING: acq_rel; a reader's acquire load of the count sees the free.
        let previous = freeCounts[id].add(1, ordering: .acquiringAndReleasing).oldValue
        guard previous == 0 else { return }  // a double free: counted, nothing freed twice
        words[0].store(Self.poisonMagic, ordering: .relaxed)
        words[1].add(1, ordering: .relaxed)
    }

    /// Nodes freed zero times, and frees beyond the first (a node freed twice counts once
    /// here; in non-quarantine mode a second free is known by its address no longer being live).
    public func census() -> (neverFreed: Int, freedMoreThanOnce: Int) {
        var never = 0, many = unknownFrees.load(ordering: .relaxed)
        for id in 0..<made {
            switch freeCounts[id].load(ordering: .acquiring) {
            case 0: never += 1
            case 1: break
            default: many += 1
            }
        }
        return (never, many)
    }

    /// Times node `id` was freed.
    public func freeCount(_ id: Int) -> Int { Int(freeCounts[id].load(ordering: .acquiring)) }

    /// The id of a tracked node.
    public func id(of node: UnsafeMutableRawPointer) -> Int { Int(fields(node)[2].load(ordering: .relaxed)) }

    /// Frees every quarantined node (each freed exactly once by its deleter). Call when no
    /// thread can read them.
    public func releaseQuarantine() {
        guard quarantine && deleterMayKeepNode else { return }
        for id in 0..<made where freeCounts[id].load(ordering: .acquiring) >= 1 {
            if let node = UnsafeMutableRawPointer(bitPattern: addresses[id]) {
                freeNode(node)
                addresses[id] = 0
            }
        }
    }
}
