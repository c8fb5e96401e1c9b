/// A scheme's family, as `list`, the manifest and the charts group it. Open: a scheme
/// written outside the package names its own family (`SchemeFamily("hyaline")`) or one of
/// the built-in ones.
public struct SchemeFamily: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let baseline = SchemeFamily("baseline")
    public static let hazardPointers = SchemeFamily("hazard-pointers")
    public static let epochs = SchemeFamily("epochs")
    public static let gracePeriods = SchemeFamily("grace-periods")
    public static let referenceCounting = SchemeFamily("reference-counting")

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
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
        linkOverheadBytes: Int = 0, deleterMayKeepNode: Bool = true,
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
        self.library = library
        self.knobs = knobs
    }
}

