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
    /// Bytes each link costs outside the node (arc: the ManagedAtomic box).
    public let linkOverheadBytes: Int
    /// False when a custom deleter cannot keep the node: its memory is freed when the
    /// deleter returns (arc: ARC frees the object after its deinit).
    public let deleterMayKeepNode: Bool
    /// Structures this scheme cannot run, each with the reason.
    public let unsupportedStructures: [UnsupportedStructure]
    /// The C library that implements the scheme (the reference backends), or nil for a
    /// scheme written in Swift here.
    public let library: String?
    /// The configuration's knobs this scheme reads (a sweep runs only these schemes at
    /// the knob's other values).
    public let knobs: [ReclaimerConfiguration.Knob]

    /// "Swift", or the C library's name.
    public var implementation: String { library.map { "C: \($0)" } ?? "Swift" }

    public init(
        id: String, family: SchemeFamily, summary: String, reference: String,
        capabilities: ReclaimerCapabilities, nodeHeaderBytes: Int, helperThreads: Int = 0,
        linkOverheadBytes: Int = 0, deleterMayKeepNode: Bool = true, unsupportedStructures: [UnsupportedStructure] = [],
        library: String? = nil, knobs: [ReclaimerConfiguration.Knob] = []
    ) {
        self.id = id
        self.family = family
        self.summary = summary
        self.reference = reference
        self.capabilities = capabilities
        self.nodeHeaderBytes = nodeHeaderBytes
        self.helperThreads = helperThreads
        self.linkOverheadBytes = linkOverheadBytes
        self.deleterMayKeepNode = deleterMayKeepNode
        self.unsupportedStructures = unsupportedStructures
        self.library = library
        self.knobs = knobs
    }
}

/// A structure a scheme cannot run, and why (listed, never silently skipped).
public struct UnsupportedStructure: Sendable, Hashable {
    /// The structure's id: `harris-michael-list`, `hash-map`, `michael-scott-queue`, `slot-table`.
    public let structure: String
    public let reason: String
    public init(_ structure: String, because reason: String) {
        self.structure = structure
        self.reason = reason
    }
}
