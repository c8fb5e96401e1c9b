import LockFreeStructures
import Reclamation

/// A scheme as a benchmark executable registers it: its registry entry and, for a scheme
/// from outside this package, the cell and read-cost bodies specialized for it.
///
/// Why the bodies: `SchemeID.accept` names the built-in schemes in a switch, so their
/// cells are specialized in this module; a client's scheme is reached through its
/// registry entry's existential, where the cell's generic code runs unspecialized — every
/// protect and retire a witness-table call (measured: an outside epoch scheme's read cost
/// 82.6 ns against ebr's 5.4). `init` is `@inlinable`, so the closures it stores are
/// compiled, with `R` known, in the module that writes `BenchScheme(MyDomain.self)`.
public struct BenchScheme: Sendable {
    public let entry: SchemeEntry
    @usableFromInline let bodies: SpecializedBodies?

    @inlinable
    public init<R: Reclaimer>(_ scheme: R.Type) {
        entry = SchemeEntry(R.self)
        bodies = SpecializedBodies(
            cell: { CellExecution.run(R.self, $0) },
            readCost: { ReadCost.measure(R.self, operations: $0, repetitions: $1, pattern: $2) })
    }

    init(builtIn entry: SchemeEntry) {
        self.entry = entry
        bodies = nil
    }

    @usableFromInline
    struct SpecializedBodies: Sendable {
        @usableFromInline let cell: @Sendable (CellSpec) -> CellResult
        @usableFromInline let readCost: ReadCost.Body

        @inlinable
        init(cell: @escaping @Sendable (CellSpec) -> CellResult, readCost: @escaping ReadCost.Body) {
            self.cell = cell
            self.readCost = readCost
        }
    }
}

/// A structure as a benchmark executable registers it: its registry entry and, for one
/// from outside this package, its cells specialized for it (under every built-in scheme,
/// which `SchemeID.accept`'s switch names).
public struct BenchStructure: Sendable {
    public let entry: StructureEntry
    @usableFromInline let cell: (@Sendable (CellSpec) -> CellResult)?

    @inlinable
    public init<K: StructureKind>(_ kind: K.Type) {
        entry = StructureEntry(K.self)
        cell = { CellExecution.run($0, structure: K.self) }
    }

    init(builtIn entry: StructureEntry) {
        self.entry = entry
        cell = nil
    }
}

/// A scheme and a structure, both from outside the package, specialized together: without
/// it their cells run with one of the two unspecialized (and the row's note says so).
public struct BenchPairing: Sendable {
    public let scheme: String, structure: String
    @usableFromInline let cell: @Sendable (CellSpec) -> CellResult

    @inlinable
    public init<R: Reclaimer, K: StructureKind>(_ scheme: R.Type, _ structure: K.Type) {
        self.scheme = R.descriptor.id
        self.structure = K.descriptor.id
        cell = { CellExecution.run(R.self, K.self, $0) }
    }
}

/// The built-in schemes and structures, as a client's executable extends them:
/// `ReclaimBenchCommand.main(schemes: BuiltIn.schemes + [BenchScheme(MyDomain.self)], …)`.
public enum BuiltIn {
    public static var schemes: [BenchScheme] { BuiltInSchemes.all.map(BenchScheme.init(builtIn:)) }
    public static var structures: [BenchStructure] { BuiltInStructures.all.map(BenchStructure.init(builtIn:)) }
}

/// What this process benchmarks: installs the schemes' and structures' registries and
/// keeps the specialized bodies of the ones from outside the package. Installed once, at
/// start (a cell's child process is the same executable and installs the same lists).
public enum BenchRegistry {
    /// Refuses what the registries refuse (a duplicate or clashing id), and a pairing that
    /// names an unregistered id.
    public static func install(schemes: [BenchScheme], structures: [BenchStructure], pairings: [BenchPairing] = []) throws(RunnerError) {
        do {
            try SchemeRegistry.install(schemes.map(\.entry))
            try StructureRegistry.install(structures.map(\.entry))
        } catch { throw RunnerError(.usage, "\(error)") }
        let schemeIDs = Set(schemes.map(\.entry.descriptor.id)), structureIDs = Set(structures.map(\.entry.descriptor.id))
        var seen = Set<String>()
        for pairing in pairings {
            guard schemeIDs.contains(pairing.scheme) else {
                throw RunnerError(.usage, "pairing \(pairing.scheme) × \(pairing.structure): scheme '\(pairing.scheme)' is not registered")
            }
            guard structureIDs.contains(pairing.structure) else {
                throw RunnerError(.usage, "pairing \(pairing.scheme) × \(pairing.structure): structure '\(pairing.structure)' is not registered")
            }
            guard seen.insert(RegisteredCellBodies.Table.key(pairing.scheme, pairing.structure)).inserted else {
                throw RunnerError(.usage, "pairing \(pairing.scheme) × \(pairing.structure) is given twice")
            }
        }
        var cells = RegisteredCellBodies.Table(), readCosts: [String: ReadCost.Body] = [:]
        for scheme in schemes {
            cells.schemes[scheme.entry.descriptor.id] = scheme.bodies?.cell
            readCosts[scheme.entry.descriptor.id] = scheme.bodies?.readCost
        }
        for structure in structures { cells.structures[structure.entry.descriptor.id] = structure.cell }
        for pairing in pairings { cells.pairings[RegisteredCellBodies.Table.key(pairing.scheme, pairing.structure)] = pairing.cell }
        RegisteredCellBodies.install(cells)
        ReadCost.install(readCosts)
    }
}
