import Reclamation

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
