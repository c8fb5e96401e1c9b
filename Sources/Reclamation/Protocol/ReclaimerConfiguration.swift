/// The parameters of a domain. Every scheme reads what applies to it and the manifest
/// records all of them, so a run can be reproduced.
public struct ReclaimerConfiguration: Sendable, Hashable, Codable {
    /// Where nodes come from: jemalloc's `mallocx`/`sdallocx`, or the system `malloc`
    /// (sanitizer runs, which own `malloc`).
    public var allocator: NodeAllocatorKind
    /// hp: a thread scans its retired nodes when it holds more than
    /// max(`retireScanThreshold`, 2 × slots registered). folly's default is 1000.
    public var retireScanThreshold: Int
    /// hp: a thread that retires at all scans at least this often (folly: 2 s).
    public var scanPeriod: Duration
    /// ebr, qsbr, rcu: nodes per bag (crossbeam: 64; 4 under test).
    public var bagCapacity: Int
    /// qsbr: a thread announces a quiescent state on every n-th `quiescentState()` call
    /// (workloads call it after every operation).
    public var quiescentStateInterval: Int
    /// rcu: when more nodes than this wait for the reclaimer thread, retiring threads stop
    /// queueing and reclaim their own bags (polling grace periods at guard exits).
    public var callbackBacklogBound: Int
    /// rcu: the least time, in microseconds, between the reclaimer thread's grace periods
    /// (grace-period batching). 0 starts one as soon as a bag is queued; more queues more
    /// bags behind each grace period's membarrier, for later frees and more memory. The
    /// default, 10 ms, was chosen by measurement (README, "Read-mostly goals and knob
    /// sweeps"): 1.17× the throughput of 0 on the read-mostly hash map and 1.18× on
    /// reclaim-latency, whose retire→free p99 fell (writers past the backlog bound help).
    public var gracePeriodIntervalMicroseconds: Int

    public init(
        allocator: NodeAllocatorKind = .processDefault,
        retireScanThreshold: Int = 1000,
        scanPeriod: Duration = .milliseconds(100),
        bagCapacity: Int = 64,
        quiescentStateInterval: Int = 1,
        callbackBacklogBound: Int = 65_536,
        gracePeriodIntervalMicroseconds: Int = 10_000
    ) {
        precondition(retireScanThreshold >= 1, "retireScanThreshold must be at least 1")
        precondition(bagCapacity >= 1, "bagCapacity must be at least 1")
        precondition(quiescentStateInterval >= 1, "quiescentStateInterval must be at least 1")
        precondition(callbackBacklogBound >= 0, "callbackBacklogBound must be non-negative")
        precondition(gracePeriodIntervalMicroseconds >= 0, "gracePeriodIntervalMicroseconds must be non-negative")
        self.allocator = allocator
        self.retireScanThreshold = retireScanThreshold
        self.scanPeriod = scanPeriod
        self.bagCapacity = bagCapacity
        self.quiescentStateInterval = quiescentStateInterval
        self.callbackBacklogBound = callbackBacklogBound
        self.gracePeriodIntervalMicroseconds = gracePeriodIntervalMicroseconds
    }

    /// Tiny thresholds and bags, so that races are cheap to hit (crossbeam shrinks its
    /// bag to 4 under test).
    public static var testing: ReclaimerConfiguration {
        ReclaimerConfiguration(
            retireScanThreshold: 4, scanPeriod: .milliseconds(1), bagCapacity: 4, callbackBacklogBound: 64,
            gracePeriodIntervalMicroseconds: 0)
    }

    /// The parameters a run can sweep (`run --bag-capacity 16,64,256` …): each trades
    /// throughput against memory or reclamation latency for the schemes that read it
    /// (`SchemeDescriptor.knobs`). The raw value is the manifest's and the CSV's name.
    public enum Knob: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
        case bagCapacity = "bag_capacity"
        case retireScanThreshold = "retire_scan_threshold"
        case quiescentStateInterval = "qs_interval"
        case gracePeriodInterval = "gp_interval_us"

        /// The values a sweep may take (a run refuses others with exit 64).
        public var allowed: ClosedRange<Int> {
            switch self {
            case .bagCapacity: 1...65_536
            case .retireScanThreshold: 1...1_000_000
            case .quiescentStateInterval: 1...1_000_000
            case .gracePeriodInterval: 0...1_000_000
            }
        }
    }

    /// The knob's value in this configuration.
    public subscript(knob: Knob) -> Int {
        get {
            switch knob {
            case .bagCapacity: bagCapacity
            case .retireScanThreshold: retireScanThreshold
            case .quiescentStateInterval: quiescentStateInterval
            case .gracePeriodInterval: gracePeriodIntervalMicroseconds
            }
        }
        set {
            switch knob {
            case .bagCapacity: bagCapacity = newValue
            case .retireScanThreshold: retireScanThreshold = newValue
            case .quiescentStateInterval: quiescentStateInterval = newValue
            case .gracePeriodInterval: gracePeriodIntervalMicroseconds = newValue
            }
        }
    }

    /// `key=value` pairs for manifests and `list`.
    public var parameters: [(String, String)] {
        [
            ("allocator", allocator.rawValue),
            ("retire_scan_threshold", String(retireScanThreshold)),
            ("scan_period_ms", String(Double(scanPeriod.components.seconds) * 1000
                + Double(scanPeriod.components.attoseconds) / 1e15)),
            ("bag_capacity", String(bagCapacity)),
            ("qs_interval", String(quiescentStateInterval)),
            ("callback_backlog_bound", String(callbackBacklogBound)),
            ("gp_interval_us", String(gracePeriodIntervalMicroseconds)),
        ]
    }
}
