// A lock-free hash map: a fixed power-of-two array of Harris–Michael lists (M. M. Michael,
// "High performance dynamic lock-free hash tables and list-based sets", SPAA 2002) — the
// read-mostly "routing table" of the workloads. Keys are mixed (Fibonacci hashing) so that
// consecutive keys spread over buckets. No resizing: the key range is known per run.

import Reclamation

/// Int → Int map over `bucketCount` Harris–Michael buckets, written once for every scheme
/// that can run the list.
public final class LockFreeHashMap<R: Reclaimer>: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): the buckets are the scheme's atomic links, touched only
    // through guards; everything else is immutable after init.
    public let domain: R
    @usableFromInline let buckets: UnsafeMutablePointer<R.Link>
    @usableFromInline let shift: Int
    public let bucketCount: Int
    @usableFromInline let shape: ListNodeShape
    @usableFromInline let fault: PlantedStructureFault

    public static var slotsNeeded: Int { HarrisMichaelListAlgorithm<R>.slotsNeeded }

    /// `bucketCount` is rounded up to a power of two; with `timing`, removed nodes are
    /// retired timed (payloadBytes ≥ 8).
    public convenience init(domain: R, bucketCount: Int, payloadBytes: Int = 0, timing: RetireTiming? = nil) {
        self.init(domain: domain, bucketCount: bucketCount, payloadBytes: payloadBytes, timing: timing, fault: .none)
    }

    @_spi(Planted)
    public init(domain: R, bucketCount: Int, payloadBytes: Int = 0, timing: RetireTiming? = nil, fault: PlantedStructureFault) {
        if let reason = HashMapKind.descriptor.unsupportedReason(R.self) {
            preconditionFailure("\(R.descriptor.id) cannot run the hash map: \(reason)")
        }
        precondition(bucketCount >= 1, "a hash map needs at least one bucket")
        var count = 1
        while count < bucketCount { count <<= 1 }
        self.domain = domain
        self.bucketCount = count
        shift = 64 - count.trailingZeroBitCount
        shape = ListNodeShape(payloadBytes: payloadBytes, timing: timing)
        self.fault = fault
        buckets = .allocate(capacity: count)
        for index in 0..<count { (buckets + index).initialize(to: R.Link(.null)) }
    }

    deinit {
        buckets.deinitialize(count: bucketCount)
        buckets.deallocate()
    }

    /// Bytes one node asks of the allocator (header + link + key + value + payload).
    public var nodeBytes: Int { shape.layout.allocationBytes(R.self) }
    /// The layout of every node (what a custom deleter frees with).
    public var nodeLayout: NodeLayout { shape.layout }

    @inlinable
    func bucket(_ key: Int) -> UnsafeMutablePointer<R.Link> {
        // Fibonacci hashing: the top bits of key × 2^64/φ.
        let mixed = UInt(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15
        return buckets + (shift == 64 ? 0 : Int(mixed >> UInt(shift)))
    }

    @inlinable
    public func value(forKey key: Int, using participant: borrowing R.Participant) -> Int? {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.value(forKey: key, head: bucket(key), shape: shape, in: guardian)
        }
    }

    @inlinable
    public func contains(_ key: Int, using participant: borrowing R.Participant) -> Bool {
        value(forKey: key, using: participant) != nil
    }

    @inlinable
    @discardableResult
    public func insert(_ key: Int, value: Int, using participant: borrowing R.Participant) -> Bool {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.insert(
                key, value: value, head: bucket(key), shape: shape, domain: domain,
                allowDuplicates: fault == .insertsDuplicates, in: guardian)
        }
    }

    @inlinable
    @discardableResult
    public func remove(_ key: Int, using participant: borrowing R.Participant) -> Bool {
        participant.withGuard { guardian in
            HarrisMichaelListAlgorithm<R>.remove(key, head: bucket(key), shape: shape, in: guardian)
        }
    }

    /// Every key (with repeats, if a fault made any), read without synchronization: only
    /// while no other thread uses the map.
    public func keysQuiescent(using participant: borrowing R.Participant) -> [Int] {
        participant.withGuard { guardian in
            (0..<bucketCount).flatMap { index in
                HarrisMichaelListAlgorithm<R>.nodesQuiescent(head: buckets + index, shape: shape, in: guardian)
                    .map { shape.key($0, R.self) }
            }
        }
    }

    /// Empties the map, retiring every node: only while no other thread uses it.
    public func removeAllQuiescent(using participant: borrowing R.Participant) {
        participant.withGuard { guardian in
            for index in 0..<bucketCount {
                HarrisMichaelListAlgorithm<R>.retireAllQuiescent(head: buckets + index, shape: shape, in: guardian)
            }
        }
    }
}
