import ReclaimBenchKit
import Reclamation

/// The deliberately broken schemes `torture --planted` runs (`--list-planted` lists them):
/// each is correct but for one fault, and torture must report FAILURE for every one.
public enum PlantedScheme: String, CaseIterable, Sendable {
    case freesOnRetire = "frees-on-retire"
    case hpSkipsRevalidation = "hp-skips-revalidation"
    case ebrAdvancesPastPinned = "ebr-advances-past-pinned"
    case hpReleasesOnWrongRecord = "hp-handoff-wrong-record"
    case hpPercpuReleasesRememberedSlot = "hp-percpu-releases-remembered-slot"

    public var summary: String {
        switch self {
        case .freesOnRetire: "retire frees at once, while a reader may hold the node"
        case .hpSkipsRevalidation: "hazard pointers that publish without re-reading the link"
        case .ebrAdvancesPastPinned: "epochs that advance past a pinned reader"
        case .hpReleasesOnWrongRecord: "hazard pointers whose hand-off stays in, and is released from, the thread's own slot"
        case .hpPercpuReleasesRememberedSlot:
            "hp-percpu whose hand-off skips detach: the protection stays in the per-CPU slot the owner still clears and reuses, and the other thread's release clears that slot (the kernel series' failure class)"
        }
    }

    /// Calls `visitor` with the planted scheme's type.
    public func accept<Visitor: SchemeVisitor>(_ visitor: Visitor) -> Visitor.Output {
        switch self {
        case .freesOnRetire: visitor.visit(PlantedFreesOnRetireDomain.self)
        case .hpSkipsRevalidation: visitor.visit(PlantedHazardPointerDomain<SkipsRevalidation>.self)
        case .ebrAdvancesPastPinned: visitor.visit(PlantedEpochDomain.self)
        case .hpReleasesOnWrongRecord: visitor.visit(PlantedHazardPointerDomain<ReleasesOnWrongRecord>.self)
        case .hpPercpuReleasesRememberedSlot: visitor.visit(PerCPUHazardPointerDomainOf<PerCPUHazardReleasesRememberedSlot>.self)
        }
    }

    public static func parse(_ text: String) throws(RunnerError) -> PlantedScheme {
        guard let scheme = PlantedScheme(rawValue: text) else {
            throw RunnerError(.usage, "unknown planted scheme \(text); expected one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return scheme
    }
}
