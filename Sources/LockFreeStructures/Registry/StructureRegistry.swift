import ReclaimBenchSupport
import Reclamation

/// A structure's command-line id: one registered in this process (the built-in ones unless
/// a client's executable installs its own list).
public struct StructureID: RawRepresentable, CaseIterable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// The registered structure with this id, or nil.
    public init?(rawValue: String) {
        guard StructureRegistry.entry(rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    init(builtIn rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
    public static func < (a: StructureID, b: StructureID) -> Bool { a.rawValue < b.rawValue }
    public static var allCases: [StructureID] { StructureRegistry.entries.map { StructureID(builtIn: $0.descriptor.id) } }

    public static let harrisMichaelList = StructureID(builtIn: HarrisMichaelListKind.descriptor.id)
    public static let hashMap = StructureID(builtIn: HashMapKind.descriptor.id)
    public static let michaelScottQueue = StructureID(builtIn: MichaelScottQueueKind.descriptor.id)
    public static let slotTable = StructureID(builtIn: SlotTableKind.descriptor.id)

    public var descriptor: StructureDescriptor { StructureRegistry.entry(rawValue)!.descriptor }

    /// Why scheme `R` cannot run this structure, or nil when it can.
    public func unsupportedReason<R: Reclaimer>(_ scheme: R.Type) -> String? { descriptor.unsupportedReason(R.self) }

    /// Calls the visitor with this structure on `Visitor.Domain`. A built-in structure is
    /// named in the switch (by its descriptor's id), so that the caller's visitor is
    /// specialized for it: through the registry's existential the structure's operations
    /// would run unspecialized (measured: the read-mostly hash map at 1 thread fell from
    /// 60–85 M to 16 M operations/s). A client's structure goes through its entry.
    @inlinable
    public func accept<Visitor: StructureVisitor>(_ visitor: Visitor) -> Visitor.Output {
        switch rawValue {
        case HarrisMichaelListKind.descriptor.id: HarrisMichaelListKind.accept(visitor)
        case HashMapKind.descriptor.id: HashMapKind.accept(visitor)
        case MichaelScottQueueKind.descriptor.id: MichaelScottQueueKind.accept(visitor)
        case SlotTableKind.descriptor.id: SlotTableKind.accept(visitor)
        default: StructureRegistry.entry(rawValue)!.kind.accept(visitor)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = StructureID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown structure '\(text)'"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// One structure in the registry.
public struct StructureEntry: Sendable {
    public let descriptor: StructureDescriptor
    @usableFromInline let kind: any StructureKind.Type
    let type: ObjectIdentifier

    public init<Kind: StructureKind>(_ kind: Kind.Type) {
        descriptor = Kind.descriptor
        self.kind = kind
        type = ObjectIdentifier(kind)
    }
}

/// The structures this package ships.
public enum BuiltInStructures {
    public static let all: [StructureEntry] = [
        StructureEntry(HarrisMichaelListKind.self), StructureEntry(HashMapKind.self),
        StructureEntry(MichaelScottQueueKind.self), StructureEntry(SlotTableKind.self),
    ]
}

/// Why a set of structures cannot be installed.
public struct StructureRegistryError: Error, CustomStringConvertible {
    public let description: String
}

/// The structures this process knows (see `SchemeRegistry`: the same rules).
public enum StructureRegistry {
    public static func install(_ entries: [StructureEntry]) throws(StructureRegistryError) {
        guard !entries.isEmpty else { throw StructureRegistryError(description: "no structures given; at least one is needed") }
        let builtIn = Dictionary(BuiltInStructures.all.map { ($0.descriptor.id, $0.type) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        for entry in entries {
            let id = entry.descriptor.id
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw StructureRegistryError(description: "structure id '\(id)' is not allowed: use letters, digits, '-' and '_'")
            }
            guard seen.insert(id).inserted else { throw StructureRegistryError(description: "structure id '\(id)' is registered twice") }
            if let type = builtIn[id], type != entry.type {
                throw StructureRegistryError(description: "structure id '\(id)' is a built-in structure's; give the new structure its own id")
            }
        }
        state.withLock { $0 = entries }
    }

    public static var entries: [StructureEntry] { state.withLock { $0 } }
    public static func entry(_ id: String) -> StructureEntry? { state.withLock { $0.first { $0.descriptor.id == id } } }

    private static let state = Locked(BuiltInStructures.all)
}
