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

    public init(
        id: String, family: SchemeFamily, summary: String, reference: String,
        capabilities: ReclaimerCapabilities, nodeHeaderBytes: Int
    ) {
        self.id = id
        self.family = family
        self.summary = summary
        self.reference = reference
        self.capabilities = capabilities
        self.nodeHeaderBytes = nodeHeaderBytes
    }
}
