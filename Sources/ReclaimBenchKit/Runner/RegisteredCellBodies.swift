import ReclaimBenchSupport
import Reclamation

/// The cell bodies a benchmark executable registered for schemes and structures from
/// outside the package (`BenchRegistry` fills it, at start); `CellExecution.run(_:)` looks
/// a cell up here before the built-in switches.
enum RegisteredCellBodies {
    typealias Body = @Sendable (CellSpec) -> CellResult

    struct Table {
        var schemes: [String: Body] = [:]
        var structures: [String: Body] = [:]
        var pairings: [String: Body] = [:]

        static func key(_ scheme: String, _ structure: String) -> String { scheme + "\u{0}" + structure }
    }

    static func install(_ table: Table) { state.withLock { $0 = table } }

    /// How to run a cell: a pairing's body; else an outside scheme's; else an outside
    /// structure's; nil for built-in × built-in (the switches specialize those). `note` is
    /// set when the cell will run with a part unspecialized.
    static func body(for spec: CellSpec) -> (body: Body, note: String?)? {
        state.withLock { table in
            if let pairing = table.pairings[Table.key(spec.scheme.rawValue, spec.structure.rawValue)] { return (pairing, nil) }
            switch (table.schemes[spec.scheme.rawValue], table.structures[spec.structure.rawValue]) {
            case (let scheme?, nil): return (scheme, nil)
            case (nil, let structure?): return (structure, nil)
            case (let scheme?, _?):
                return (scheme, "\(spec.structure) ran unspecialized under \(spec.scheme) (both from outside the package: "
                        + "register BenchPairing(\(spec.scheme)'s type, \(spec.structure)'s kind) to time them together); ")
            case (nil, nil): return nil
            }
        }
    }

    private static let state = Locked(Table())
}
