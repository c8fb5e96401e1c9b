/// Every scheme the suite ships, by command-line id. Code that must run a scheme chosen at
/// run time dispatches once, here, to a generic function: callers never hold an
/// `any Reclaimer` on a hot path.
public enum SchemeID: String, CaseIterable, Sendable, Hashable, Codable, CustomStringConvertible {
    case none
    case hp
    case ebr
    case qsbr
    case rcu
    case rc
    case arc
    case hpPercpu = "hp-percpu"
    case hpAsym = "hp-asym"
    // The C libraries, behind the same protocol (ReferenceLibraries/): each Swift scheme's
    // calibration peer.
    case urcuQsbr = "urcu-qsbr"
    case urcuMemb = "urcu-memb"
    case ckEpoch = "ck-epoch"
    case ckHp = "ck-hp"

    public var description: String { rawValue }

    /// Calls `visitor` with the scheme's domain type. `@inlinable` so that the caller's
    /// visitor is specialized for each scheme: without it, the run-time dispatch leaves the
    /// visitor's generic code unspecialized (measured: every scheme's read path at ~47 ns
    /// instead of 0.5–2.5 ns once the switch grew past what default cross-module
    /// optimization inlines).
    @inlinable
    public func accept<Visitor: SchemeVisitor>(_ visitor: Visitor) -> Visitor.Output {
        switch self {
        case .none: visitor.visit(NoReclamationDomain.self)
        case .hp: visitor.visit(HazardPointerDomain.self)
        case .ebr: visitor.visit(EpochDomain.self)
        case .qsbr: visitor.visit(QuiescentStateDomain.self)
        case .rcu: visitor.visit(ReadCopyUpdateDomain.self)
        case .rc: visitor.visit(ReferenceCountedDomain.self)
        case .arc: visitor.visit(SwiftARCDomain.self)
        case .hpPercpu: visitor.visit(PerCPUHazardPointerDomain.self)
        case .hpAsym: visitor.visit(AsymmetricHazardPointerDomain.self)
        case .urcuQsbr: visitor.visit(LiburcuQSBRDomain.self)
        case .urcuMemb: visitor.visit(LiburcuMembDomain.self)
        case .ckEpoch: visitor.visit(CKEpochDomain.self)
        case .ckHp: visitor.visit(CKHazardPointerDomain.self)
        }
    }

    public var descriptor: SchemeDescriptor {
        struct Describe: SchemeVisitor {
            func visit<R: Reclaimer>(_ scheme: R.Type) -> SchemeDescriptor { R.descriptor }
        }
        return accept(Describe())
    }

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
