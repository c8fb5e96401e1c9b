/// A thread's garbage in bags (owner-only): the open bag being filled, the sealed bags
/// oldest first, each with the tag it was sealed with (ebr's epoch, a grace-period cookie),
/// and one spare bag so that steady state allocates nothing. Tags only grow, so the oldest
/// bag expires first (DEBRA's limbo bags; crossbeam's bag is the open one).
@usableFromInline
struct BagQueue {
    let capacity: Int
    @usableFromInline var open: GarbageBatch?
    private var oldest: GarbageBatch?
    private var newest: GarbageBatch?
    private var spare: GarbageBatch?

    init(capacity: Int) { self.capacity = capacity }

    /// Frees the bag memory it still holds (its entries must have been handed on).
    func freeStorage() {
        open?.free()
        spare?.free()
    }

    /// Adds a node to the open bag; true when the bag is now full (seal it).
    @usableFromInline
    mutating func append(_ entry: RetiredNode) -> Bool {
        let bag = open ?? takeEmptyBag()
        bag.append(entry)
        open = bag
        return bag.isFull
    }

    /// Seals the open bag with `tag`; false when there was nothing to seal.
    @discardableResult
    mutating func sealOpen(tag: UInt64) -> Bool {
        guard let bag = open, bag.count > 0 else { return false }
        open = nil
        bag.tag = tag
        bag.next = nil
        if let newest { newest.next = bag } else { oldest = bag }
        newest = bag
        return true
    }

    var hasSealed: Bool { oldest != nil }

    /// Removes the open bag, if it holds anything.
    mutating func takeOpen() -> GarbageBatch? {
        guard let bag = open, bag.count > 0 else { return nil }
        open = nil
        bag.next = nil
        return bag
    }

    /// Frees, oldest first, every sealed bag whose tag `isExpired` says may go; returns
    /// the nodes and bags freed.
    mutating func freeExpired(
        headerBytes: Int, allocator: NodeAllocator, isExpired: (UInt64) -> Bool
    ) -> (nodes: Int, bags: Int) {
        var nodes = 0, bags = 0
        while let bag = oldest, isExpired(bag.tag) {
            oldest = bag.next
            if oldest == nil { newest = nil }
            nodes += bag.reclaim(headerBytes: headerBytes, allocator: allocator) { _ in false }
            bags += 1
            if spare == nil { spare = bag } else { bag.free() }
        }
        return (nodes, bags)
    }

    /// Removes every sealed bag, as a chain oldest first.
    mutating func takeSealed() -> (first: GarbageBatch, last: GarbageBatch)? {
        guard let first = oldest, let last = newest else { return nil }
        oldest = nil
        newest = nil
        return (first, last)
    }

    private mutating func takeEmptyBag() -> GarbageBatch {
        if let spare {
            self.spare = nil
            spare.count = 0
            return spare
        }
        return GarbageBatch.allocate(capacity: capacity)
    }
}

extension GarbageBatch: Equatable {
    @usableFromInline static func == (lhs: GarbageBatch, rhs: GarbageBatch) -> Bool { lhs.base == rhs.base }
}
