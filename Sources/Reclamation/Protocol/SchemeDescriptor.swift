/// The families the suite compares.
public enum SchemeFamily: String, Sendable, Hashable, Codable {
    case baseline
    case hazardPointers = "hazard-pointers"
    case epochs
    case gracePeriods = "grace-periods"
    case referenceCounting = "reference-counting"
}

/// What `list`, the manifest and the charts say about a scheme.
public struct SchemeDescriptor: Sendable, Hashable {
    /// Command-line id (`hp`, `ebr`, …).
    public let id: String
    public let family: SchemeFamily
    /// One line: what it is.
    public let summary: String
    /// The paper or code it follows.
    public let reference: String
    public let capabilities: ReclaimerCapabilities
    /// Bytes the scheme puts before every node's payload.
    public let nodeHeaderBytes: Int
    /// Threads the domain runs of its own (rcu's reclaimer): they free nodes other threads
    /// allocated, and they count toward a run's oversubscription.
    public let helperThreads: Int

    public init(
        id: String, family: SchemeFamily, summary: String, reference: String,
        capabilities: ReclaimerCapabilities, nodeHeaderBytes: Int, helperThreads: Int = 0
    ) {
        self.id = id
        self.family = family
        self.summary = summary
        self.reference = reference
        self.capabilities = capabilities
        self.nodeHeaderBytes = nodeHeaderBytes
        self.helperThreads = helperThreads
    }
}
