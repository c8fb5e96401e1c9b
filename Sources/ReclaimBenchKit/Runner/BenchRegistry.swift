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
        @usableFromInline let readCost: @Sendable (Int, Int, ReadCost.Pattern) -> [Double]

        @inlinable
        init(cell: @escaping @Sendable (CellSpec) -> CellResult,
             readCost: @escaping @Sendable (Int, Int, ReadCost.Pattern) -> [Double]) {
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
            guard seen.insert(pairing.scheme + "\u{0}" + pairing.structure).inserted else {
                throw RunnerError(.usage, "pairing \(pairing.scheme) × \(pairing.structure) is given twice")
            }
        }
        var bodies = Bodies()
        for scheme in schemes { bodies.schemes[scheme.entry.descriptor.id] = scheme.bodies }
        for structure in structures { bodies.structures[structure.entry.descriptor.id] = structure.cell }
        for pairing in pairings { bodies.pairings[pairing.scheme + "\u{0}" + pairing.structure] = pairing.cell }
        state.withLock { $0 = bodies }
    }

    /// The read-cost body of `scheme` when it comes from outside the package.
    static func readCost(_ scheme: SchemeID) -> (@Sendable (Int, Int, ReadCost.Pattern) -> [Double])? {
        state.withLock { $0.schemes[scheme.rawValue]??.readCost }
    }

    /// How to run a cell: a pairing's body; else an outside scheme's; else an outside
    /// structure's; nil for built-in × built-in (the switches specialize those). `note` is
    /// set when the cell will run with a part unspecialized.
    static func cellBody(_ spec: CellSpec) -> (body: @Sendable (CellSpec) -> CellResult, note: String?)? {
        state.withLock { bodies in
            if let pairing = bodies.pairings[spec.scheme.rawValue + "\u{0}" + spec.structure.rawValue] { return (pairing, nil) }
            let scheme = bodies.schemes[spec.scheme.rawValue] ?? nil, structure = bodies.structures[spec.structure.rawValue] ?? nil
            switch (scheme, structure) {
            case (let scheme?, nil): return (scheme.cell, nil)
            case (nil, let structure?): return (structure, nil)
            case (let scheme?, _?):
                return (scheme.cell, "\(spec.structure) ran unspecialized under \(spec.scheme) (both from outside the package: "
                        + "register BenchPairing(\(spec.scheme)'s type, \(spec.structure)'s kind) to time them together); ")
            case (nil, nil): return nil
            }
        }
    }

    private struct Bodies {
        var schemes: [String: BenchScheme.SpecializedBodies?] = [:]
        var structures: [String: (@Sendable (CellSpec) -> CellResult)?] = [:]
        var pairings: [String: @Sendable (CellSpec) -> CellResult] = [:]
    }

    private static let state = Locked(Bodies())
}
