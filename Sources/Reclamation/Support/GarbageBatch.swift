#if canImport(Glibc)
import Synchronization

import Glibc
#endif

/// A batch of retired nodes in one malloc'd block: a header, then `capacity` entries.
/// Used as hp's per-thread retire list (grown on demand), ebr's bag (fixed capacity, sealed
/// with an epoch), and as the unit handed to a domain's orphan stack. The retire list never
/// overlays a structure's link: a reader may still follow the old `next` of a retired node.
@frozen
@usableFromInline
struct GarbageBatch {
    @usableFromInline let base: UnsafeMutableRawPointer

    @inlinable static var headerBytes: Int { 32 }
    @inlinable static var entryStride: Int { MemoryLayout<RetiredNode>.stride }

    @inlinable init(base: UnsafeMutableRawPointer) { self.base = base }

    init?(opaque: UnsafeMutableRawPointer?) {
        guard let opaque else { return nil }
        self.base = opaque
    }

    static func allocate(capacity: Int) -> GarbageBatch {
        guard let memory = malloc(headerBytes + capacity * entryStride) else {
            fatalError("garbage batch allocation failed: out of memory")
        }
        let batch = GarbageBatch(base: memory)
        batch.next = nil
        batch.count = 0
        batch.capacity = capacity
        batch.tag = 0
        return batch
    }

    func free() { Glibc.free(base) }

    /// Next batch in a chain (the owner's sealed-bag list or an orphan stack).
    var next: GarbageBatch? {
        get { GarbageBatch(opaque: base.load(as: UnsafeMutableRawPointer?.self)) }
        nonmutating set { base.storeBytes(of: newValue?.base, as: UnsafeMutableRawPointer?.self) }
    }

    @inlinable
    var count: Int {
        get { base.load(fromByteOffset: 8, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 8, as: Int.self) }
    }

    @inlinable
    var capacity: Int {
        get { base.load(fromByteOffset: 16, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 16, as: Int.self) }
    }

    /// What the bag was sealed with: ebr's epoch, qsbr's and rcu's grace-period cookie.
    var tag: UInt64 {
        get { base.load(fromByteOffset: 24, as: UInt64.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 24, as: UInt64.self) }
    }

    @inlinable
    var entries: UnsafeMutablePointer<RetiredNode> {
        // SAFETY: entries start after the 32-byte header; RetiredNode is trivial, so raw
        // memory may be bound to it as it is written.
        (base + Self.headerBytes).assumingMemoryBound(to: RetiredNode.self)
    }

    @inlinable
    var isFull: Bool { count == capacity }

    /// Appends to a batch that has room.
    @inlinable
    func append(_ entry: RetiredNode) {
        let index = count
        assert(index < capacity)
        (entries + index).initialize(to: entry)
        count = index + 1
    }

    /// Doubles the capacity; the batch moves (the old value is invalid afterwards).
    func grown() -> GarbageBatch {
        let newCapacity = max(capacity * 2, 8)
        guard let memory = realloc(base, Self.headerBytes + newCapacity * Self.entryStride) else {
            fatalError("garbage batch growth failed: out of memory")
        }
        let batch = GarbageBatch(base: memory)
        batch.capacity = newCapacity
        return batch
    }

    /// Moves every entry of `other` into this batch, growing it; returns the (maybe moved)
    /// batch. `other` is left empty.
    func absorbing(_ other: GarbageBatch) -> GarbageBatch {
        var batch = self
        while batch.capacity - batch.count < other.count { batch = batch.grown() }
        (batch.entries + batch.count).moveInitialize(from: other.entries, count: other.count)
        batch.count += other.count
        other.count = 0
        return batch
    }

    /// Frees every entry for which `isProtected` is false, keeping the rest in order.
    /// Returns the number freed.
    func reclaim(
        headerBytes: Int, allocator: NodeAllocator, keeping isProtected: (UnsafeMutableRawPointer) -> Bool
    ) -> Int {
        var kept = 0
        let total = count
        for index in 0..<total {
            let entry = entries[index]
            if isProtected(entry.node) {
                entries[kept] = entry
                kept += 1
            } else {
                entry.reclaim(headerBytes: headerBytes, allocator: allocator)
            }
        }
        count = kept
        return total - kept
    }
}

/// A lock-free stack of garbage batches owned by a domain (Treiber 1986). Only whole
/// chains are pushed and only the whole stack is popped (`popAll` is an exchange), so no
/// node of the stack is ever read by a thread that does not own it: no ABA, no
/// reclamation problem of its own.
@usableFromInline
struct GarbageStack: ~Copyable {
    private let head = Atomic<UInt>(0)

    init() {}

    /// Pushes the chain `first … last` (linked through `next`).
    func push(first: GarbageBatch, last: GarbageBatch) {
        let firstBits = UInt(bitPattern: first.base)
        var expected = head.load(ordering: .relaxed)
        while true {
            last.next = GarbageBatch(opaque: UnsafeMutableRawPointer(bitPattern: expected))
            // ORDERING[STACK-E1]: release publishes the batches' contents to popAll's acquire.
            let (exchanged, original) = head.compareExchange(expected: expected, desired: firstBits, ordering: .releasing)
            if exchanged { return }
            expected = original
        }
    }

    func push(_ batch: GarbageBatch) { push(first: batch, last: batch) }

    /// Takes every batch; nil when empty.
    func popAll() -> GarbageBatch? {
        // ORDERING[STACK-E1]: acquire pairs with push's release. The release half pairs
        // with isEmpty's acquire (DomainGarbage's in-flight gate: whoever sees the stack
        // emptied by this exchange also sees the collector's in-flight increment).
        GarbageBatch(opaque: UnsafeMutableRawPointer(bitPattern: head.exchange(0, ordering: .acquiringAndReleasing)))
    }

    /// ORDERING: acquire; pairs with the release halves of push and popAll.
    var isEmpty: Bool { head.load(ordering: .acquiring) == 0 }
}
