import Reclamation

/// The interface a structure offers the workloads: each workload is written against one
/// shape, and a structure gets every workload of its shape (`StructureVisitor` has one
/// method per shape, so a workload that forgets one does not compile).
public enum StructureShape: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Lookup, insert and remove of keys 0..<keyRange (`KeyedStructure`): read-mostly at a
    /// lookup percentage, reclaim-latency at 0 %.
    case keyed
    /// Put and take values (`PoolStructure`): reclaim-latency, every take retiring a node.
    case pool
    /// A fixed table of replaceable nodes (`SlotStructure`): read-mostly beside a writer,
    /// and overcommit.
    case slots

    public var description: String { rawValue }
}

/// What `list`, the planner and the manifest know of a structure.
public struct StructureDescriptor: Sendable, Hashable {
    /// Command-line id (`hash-map`, …): written here once.
    public let id: String
    public let shape: StructureShape
    public let summary: String
    /// The paper or code it follows.
    public let reference: String
    /// What a scheme must offer to run it; a scheme without one of these cannot, and the
    /// planner says so (no scheme names a structure).
    public let requires: ReclaimerCapabilities
    /// Whether the quick and full presets run it (a structure left out runs when
    /// `--structures` names it).
    public let inPresets: Bool

    public init(id: String, shape: StructureShape, summary: String, reference: String,
                requires: ReclaimerCapabilities = [], inPresets: Bool = true) {
        self.id = id
        self.shape = shape
        self.summary = summary
        self.reference = reference
        self.requires = requires
        self.inPresets = inPresets
    }

    /// Why scheme `R` cannot run this structure, or nil when it can.
    public func unsupportedReason<R: Reclaimer>(_ scheme: R.Type) -> String? {
        let missing = requires.subtracting(R.capabilities)
        guard !missing.isEmpty else { return nil }
        return "\(id) needs \(missing.names.joined(separator: ", ")), which \(R.descriptor.id) lacks"
    }
}

/// Every structure the workloads drive: a scheme-generic class with its descriptor.
public protocol BenchmarkStructure<Domain>: AnyObject, Sendable {
    associatedtype Domain: Reclaimer
    static var descriptor: StructureDescriptor { get }
    /// Protection slots a participant needs for this structure's operations.
    static var slotsNeeded: Int { get }
    /// The layout of this structure's nodes in an untimed instance (the manifest's node bytes).
    static var plainNodeLayout: NodeLayout { get }
    /// The layout of this structure's nodes when built `timed` (their memory, and where the
    /// retire stamp is, for the reclaim-latency recorder).
    static var timedNodeLayout: NodeLayout { get }
    /// Bytes into a timed node's data where the retire stamp is written.
    static var timedStampInData: Int { get }
    /// This instance's node layout (a timed instance's is `timedNodeLayout`; the workloads
    /// check it).
    var nodeLayout: NodeLayout { get }
}

/// Keys 0..<keyRange: lookup, insert, remove.
public protocol KeyedStructure<Domain>: BenchmarkStructure {
    /// Empty; sized for `keyRange` keys; with `timing`, removed nodes are retired timed.
    static func make(domain: Domain, keyRange: Int, timing: RetireTiming?) -> Self
    func contains(_ key: Int, using participant: borrowing Domain.Participant) -> Bool
    func insert(_ key: Int, value: Int, using participant: borrowing Domain.Participant) -> Bool
    func remove(_ key: Int, using participant: borrowing Domain.Participant) -> Bool
    /// Retires every node; no other thread may be inside the structure.
    func removeAllQuiescent(using participant: borrowing Domain.Participant)
}

/// Values in, values out; every take retires a node.
public protocol PoolStructure<Domain>: BenchmarkStructure {
    /// Empty; with `timing`, taken nodes are retired timed.
    static func make(domain: Domain, timing: RetireTiming?, using participant: borrowing Domain.Participant) -> Self
    func put(_ value: Int, using participant: borrowing Domain.Participant)
    func take(using participant: borrowing Domain.Participant) -> Int?
    /// Retires every node; no other thread may be inside the structure.
    func drainQuiescent(using participant: borrowing Domain.Participant)
}

/// `count` slots, each a link to a node holding an Int; readers read a slot under a guard,
/// a writer replaces a slot's node and retires the old one.
public protocol SlotStructure<Domain>: BenchmarkStructure {
    /// What a read needs, as a value a loop keeps in registers (a class's fields are loaded
    /// again on every call through it); the structure must outlive it.
    associatedtype Reader: SlotReader<Domain>
    var reader: Reader { get }
    /// Slot `i` starts with a node holding `i`.
    static func make(domain: Domain, count: Int, using participant: borrowing Domain.Participant) -> Self
    var count: Int { get }
    func read(_ index: Int, using participant: borrowing Domain.Participant) -> Int
    /// Reads slot `index` and runs `holding` while still protecting its node.
    func read(_ index: Int, using participant: borrowing Domain.Participant, whileHolding holding: () -> Void) -> Int
    /// Replaces slot `index`'s node with one holding `value`, retiring the old; returns the old value.
    @discardableResult
    func update(_ index: Int, to value: Int, using participant: borrowing Domain.Participant) -> Int
    func removeAllQuiescent(using participant: borrowing Domain.Participant)
}

/// Reads a slot structure's slots (`SlotStructure.reader`).
public protocol SlotReader<Domain> {
    associatedtype Domain: Reclaimer
    func read(_ index: Int, using participant: borrowing Domain.Participant) -> Int
}

/// A generic function over a structure of one scheme, one method per shape.
public protocol StructureVisitor {
    associatedtype Domain: Reclaimer
    associatedtype Output
    func visitKeyed<S: KeyedStructure>(_ structure: S.Type) -> Output where S.Domain == Domain
    func visitPool<S: PoolStructure>(_ structure: S.Type) -> Output where S.Domain == Domain
    func visitSlots<S: SlotStructure>(_ structure: S.Type) -> Output where S.Domain == Domain
}

/// A structure as a kind, over every scheme: how the registry reaches `Structure<R>` for
/// whichever scheme `R` a cell runs. One caseless enum per structure.
public protocol StructureKind: Sendable {
    static var descriptor: StructureDescriptor { get }
    /// Calls the visitor's method for this structure's shape with the structure built on
    /// `Visitor.Domain`.
    static func accept<Visitor: StructureVisitor>(_ visitor: Visitor) -> Visitor.Output
}
