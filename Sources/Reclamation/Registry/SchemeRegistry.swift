#if canImport(Glibc)
import Glibc
internal import ReclaimBenchSupport
#endif

/// A scheme's command-line id: one of the schemes registered in this process (the
/// built-in ones by default; a client's executable adds its own through
/// `SchemeRegistry.install`). The id is the descriptor's: written once, in the scheme.
///
/// Code that must run a scheme chosen at run time dispatches once, through `accept(_:)`, to a
/// generic function: callers never hold an `any Reclaimer` on a hot path.
public struct SchemeID: RawRepresentable, CaseIterable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// The registered scheme with this id, or nil.
    public init?(rawValue: String) {
        guard SchemeRegistry.entry(rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    @usableFromInline init(builtIn rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
    public static func < (a: SchemeID, b: SchemeID) -> Bool { a.rawValue < b.rawValue }

    /// Every registered scheme, in registration order.
    public static var allCases: [SchemeID] { SchemeRegistry.entries.map { SchemeID(builtIn: $0.descriptor.id) } }

    public static let none = SchemeID(builtIn: NoReclamationDomain.descriptor.id)
    public static let hp = SchemeID(builtIn: HazardPointerDomain.descriptor.id)
    public static let ebr = SchemeID(builtIn: EpochDomain.descriptor.id)
    public static let qsbr = SchemeID(builtIn: QuiescentStateDomain.descriptor.id)
    public static let rcu = SchemeID(builtIn: ReadCopyUpdateDomain.descriptor.id)
    public static let rc = SchemeID(builtIn: ReferenceCountedDomain.descriptor.id)
    public static let arc = SchemeID(builtIn: SwiftARCDomain.descriptor.id)
    public static let hpPercpu = SchemeID(builtIn: PerCPUHazardPointerDomain.descriptor.id)
    public static let hpAsym = SchemeID(builtIn: AsymmetricHazardPointerDomain.descriptor.id)
    // The C libraries, behind the same protocol (ReferenceLibraries/): each Swift scheme's
    // calibration peer.
    public static let urcuQsbr = SchemeID(builtIn: LiburcuQSBRDomain.descriptor.id)
    public static let urcuMemb = SchemeID(builtIn: LiburcuMembDomain.descriptor.id)
    public static let ckEpoch = SchemeID(builtIn: CKEpochDomain.descriptor.id)
    public static let ckHp = SchemeID(builtIn: CKHazardPointerDomain.descriptor.id)

    /// Calls `visitor` with the scheme's domain type. A built-in scheme is named in the
    /// switch (by its descriptor's id), so that the caller's visitor is specialized for it (measured: without
    /// specialization every scheme's read path runs at ~47 ns instead of 0.5–2.5 ns); a
    /// client's scheme goes through its registry entry, which its own module specialized
    /// (`SchemeEntry.init` is `@inlinable`).
    @inlinable
    public func accept<Visitor: SchemeVisitor>(_ visitor: Visitor) -> Visitor.Output {
        switch rawValue {
        case NoReclamationDomain.descriptor.id: visitor.visit(NoReclamationDomain.self)
        case HazardPointerDomain.descriptor.id: visitor.visit(HazardPointerDomain.self)
        case EpochDomain.descriptor.id: visitor.visit(EpochDomain.self)
        case QuiescentStateDomain.descriptor.id: visitor.visit(QuiescentStateDomain.self)
        case ReadCopyUpdateDomain.descriptor.id: visitor.visit(ReadCopyUpdateDomain.self)
        case ReferenceCountedDomain.descriptor.id: visitor.visit(ReferenceCountedDomain.self)
        case SwiftARCDomain.descriptor.id: visitor.visit(SwiftARCDomain.self)
        case PerCPUHazardPointerDomain.descriptor.id: visitor.visit(PerCPUHazardPointerDomain.self)
        case AsymmetricHazardPointerDomain.descriptor.id: visitor.visit(AsymmetricHazardPointerDomain.self)
        case LiburcuQSBRDomain.descriptor.id: visitor.visit(LiburcuQSBRDomain.self)
        case LiburcuMembDomain.descriptor.id: visitor.visit(LiburcuMembDomain.self)
        case CKEpochDomain.descriptor.id: visitor.visit(CKEpochDomain.self)
        case CKHazardPointerDomain.descriptor.id: visitor.visit(CKHazardPointerDomain.self)
        default: SchemeRegistry.entry(rawValue)!.accept(visitor)
        }
    }

    public var descriptor: SchemeDescriptor { SchemeRegistry.entry(rawValue)!.descriptor }

    /// True for the C libraries (liburcu, Concurrency Kit) behind the protocol.
    public var isCLibrary: Bool { descriptor.library != nil }

    /// The C library each Swift scheme is calibrated against (ebr/ck-epoch, qsbr/urcu-qsbr,
    /// rcu/urcu-memb, hp/ck-hp): the same algorithm family, run through the same cells.
    public var calibrationPeer: SchemeID? { Self.cLibraryPeers[self] }

    /// Swift scheme → its C library.
    public static let cLibraryPeers: [SchemeID: SchemeID] = [.ebr: .ckEpoch, .qsbr: .urcuQsbr, .rcu: .urcuMemb, .hp: .ckHp]

    /// Parses a command-line id, with an error that lists the allowed ones.
    public static func parse(_ text: String) throws(SchemeParseError) -> SchemeID {
        guard let id = SchemeID(rawValue: text) else { throw SchemeParseError(value: text) }
        return id
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = SchemeID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: SchemeParseError(value: text).description))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A generic function over a scheme type, called by `SchemeID.accept(_:)`.
public protocol SchemeVisitor {
    associatedtype Output
    func visit<R: Reclaimer>(_ scheme: R.Type) -> Output
}

public struct SchemeParseError: Error, CustomStringConvertible {
    public let value: String
    public var description: String {
        "unknown scheme '\(value)'; allowed: \(SchemeID.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}

/// One scheme in the registry: its descriptor and a way back to its type.
public struct SchemeEntry: Sendable {
    public let descriptor: SchemeDescriptor
    @usableFromInline let box: any SchemeBox
    /// Identifies the domain type (a duplicate id is refused unless it is the same type).
    @usableFromInline let type: ObjectIdentifier

    /// The entry for scheme `R`; its id is `R.descriptor.id`.
    @inlinable
    public init<R: Reclaimer>(_ scheme: R.Type) {
        descriptor = R.descriptor
        box = TypedSchemeBox<R>()
        type = ObjectIdentifier(R.self)
    }

    @inlinable
    public func accept<Visitor: SchemeVisitor>(_ visitor: Visitor) -> Visitor.Output { box.accept(visitor) }
}

@usableFromInline
protocol SchemeBox: Sendable {
    func accept<Visitor: SchemeVisitor>(_ visitor: Visitor) -> Visitor.Output
}

@usableFromInline
struct TypedSchemeBox<R: Reclaimer>: SchemeBox {
    @inlinable init() {}
    @inlinable func accept<Visitor: SchemeVisitor>(_ visitor: Visitor) -> Visitor.Output { visitor.visit(R.self) }
}

/// The schemes this package ships, in `list` order.
public enum BuiltInSchemes {
    public static let all: [SchemeEntry] = [
        SchemeEntry(NoReclamationDomain.self), SchemeEntry(HazardPointerDomain.self), SchemeEntry(EpochDomain.self),
        SchemeEntry(QuiescentStateDomain.self), SchemeEntry(ReadCopyUpdateDomain.self), SchemeEntry(ReferenceCountedDomain.self),
        SchemeEntry(SwiftARCDomain.self), SchemeEntry(PerCPUHazardPointerDomain.self), SchemeEntry(AsymmetricHazardPointerDomain.self),
        SchemeEntry(LiburcuQSBRDomain.self), SchemeEntry(LiburcuMembDomain.self), SchemeEntry(CKEpochDomain.self),
        SchemeEntry(CKHazardPointerDomain.self),
    ]
}

/// Why a set of schemes cannot be installed.
public struct SchemeRegistryError: Error, CustomStringConvertible {
    public let description: String
}

/// The schemes this process knows: the built-in ones until a client's executable installs
/// its own list (`ReclaimBenchCommand.main(schemes:)` does, before it parses a command).
/// Installed once at start, read everywhere after; the cell's child process is the same
/// executable, so it installs the same list.
public enum SchemeRegistry {
    /// Replaces the registered schemes. Refuses an empty list, a duplicate id, and an id of a
    /// built-in scheme given to another type — with the id in the message.
    public static func install(_ entries: [SchemeEntry]) throws(SchemeRegistryError) {
        guard !entries.isEmpty else { throw SchemeRegistryError(description: "no schemes given; at least one is needed") }
        var seen: [String: ObjectIdentifier] = [:]
        let builtIn = Dictionary(BuiltInSchemes.all.map { ($0.descriptor.id, $0.type) }, uniquingKeysWith: { a, _ in a })
        for entry in entries {
            let id = entry.descriptor.id
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw SchemeRegistryError(description: "scheme id '\(id)' is not allowed: use letters, digits, '-' and '_'")
            }
            if seen[id] != nil { throw SchemeRegistryError(description: "scheme id '\(id)' is registered twice") }
            if let type = builtIn[id], type != entry.type {
                throw SchemeRegistryError(description: "scheme id '\(id)' is a built-in scheme's; give the new scheme its own id")
            }
            seen[id] = entry.type
        }
        state.withLock { $0 = entries }
    }

    /// The registered schemes, in order.
    public static var entries: [SchemeEntry] { state.withLock { $0 } }

    /// The registered scheme with id `id`, or nil.
    public static func entry(_ id: String) -> SchemeEntry? { state.withLock { $0.first { $0.descriptor.id == id } } }

    private static let state = Locked(BuiltInSchemes.all)
}
