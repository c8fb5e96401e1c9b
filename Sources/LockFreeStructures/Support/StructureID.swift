import Reclamation

/// The structures every scheme runs on (when it can), by command-line id.
public enum StructureID: String, CaseIterable, Sendable, Hashable, Codable, CustomStringConvertible {
    case harrisMichaelList = "harris-michael-list"
    case hashMap = "hash-map"
    case michaelScottQueue = "michael-scott-queue"
    case slotTable = "slot-table"

    public var description: String { rawValue }

    /// Why scheme `R` cannot run this structure, or nil when it can (the scheme's
    /// descriptor declares it once; nothing is skipped silently).
    public func unsupportedReason<R: Reclaimer>(_ scheme: R.Type) -> String? {
        R.descriptor.unsupportedStructures.first { $0.structure == rawValue }?.reason
    }
}

/// Faults planted in a structure on purpose, so that tests can show they fail. Checked
/// only on update paths (one predictable branch); `none` in every real run.
public enum PlantedStructureFault: Sendable, Equatable {
    case none
    /// Harris–Michael list: remove unlinks a node without marking it first.
    case unlinksWithoutMarking
    /// Hash map: insert does not look for the key first (duplicates).
    case insertsDuplicates
    /// Michael–Scott queue: dequeue returns the dummy's value instead of its successor's.
    case dequeuesDummyValue
    /// Slot table: update replaces a node without retiring the old one (a leak).
    case forgetsToRetire
}

/// Where a planted test may pause an operation (for deterministic interleavings).
public enum StructureHookPoint: Sendable {
    /// Harris–Michael remove: the node is found, not yet marked or unlinked.
    case removeFoundNode
}
