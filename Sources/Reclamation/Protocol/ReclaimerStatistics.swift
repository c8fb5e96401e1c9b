/// Counts of a domain, summed on read from per-thread counters (never a shared atomic on
/// a hot path).
public struct ReclaimerStatistics: Sendable, Hashable {
    /// Nodes retired so far.
    public var retired: UInt64
    /// Nodes whose deleter has run.
    public var freed: UInt64
    /// The largest `retired − freed` observed at any reclamation attempt (scan, epoch
    /// advance, flush) — where the backlog is at its largest.
    public var peakPending: UInt64
    /// Scheme-specific event counts (scans, epoch advances…), in a fixed order.
    public var counters: [SchemeCounter]

    public init(retired: UInt64, freed: UInt64, peakPending: UInt64, counters: [SchemeCounter] = []) {
        self.retired = retired
        self.freed = freed
        self.peakPending = peakPending
        self.counters = counters
    }

    /// Retired and not yet freed.
    public var pending: UInt64 { retired >= freed ? retired - freed : 0 }

    /// The value of a scheme counter, or nil.
    public subscript(counter name: String) -> UInt64? { counters.first { $0.name == name }?.value }
}

/// One named scheme-specific event count.
public struct SchemeCounter: Sendable, Hashable {
    public var name: String
    public var value: UInt64
    public init(_ name: String, _ value: UInt64) {
        self.name = name
        self.value = value
    }
}
