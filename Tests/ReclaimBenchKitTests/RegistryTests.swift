import LockFreeStructures
import Reclamation
import ReclaimBenchKit
import Testing
import TestSupport

/// The benchmark's registry: what it refuses at start, and that a scheme or structure
/// registered the way an outside one is (`BenchScheme`, `BenchStructure`: its cells
/// compiled by the registering module) runs the same cells. The built-in ebr and hash map
/// stand in for outside ones here: the registry accepts a built-in id given again with its
/// own type, and their cells then go through the registered bodies. Every test puts the
/// built-in lists back.
@Suite(.watchdog, .serialized)
struct RegistryTests {
    static func restore() { try! BenchRegistry.install(schemes: BuiltIn.schemes, structures: BuiltIn.structures) }

    static func refusal(_ schemes: [BenchScheme], _ structures: [BenchStructure], _ pairings: [BenchPairing] = []) -> RunnerError? {
        defer { restore() }
        do { try BenchRegistry.install(schemes: schemes, structures: structures, pairings: pairings) } catch { return error }
        return nil
    }

    @Test("a duplicate id, an empty list and a pairing of unregistered ids are refused with the id named (exit 64)")
    func refusals() throws {
        let twice = try #require(Self.refusal(BuiltIn.schemes + [BenchScheme(EpochDomain.self)], BuiltIn.structures))
        #expect(twice.code == .usage && twice.message == "scheme id 'ebr' is registered twice")
        let structureTwice = try #require(Self.refusal(BuiltIn.schemes, BuiltIn.structures + [BenchStructure(HashMapKind.self)]))
        #expect(structureTwice.code == .usage && structureTwice.message == "structure id 'hash-map' is registered twice")
        let empty = try #require(Self.refusal([], BuiltIn.structures))
        #expect(empty.message.contains("no schemes given"))
        let withoutMap = BuiltIn.structures.filter { $0.entry.descriptor.id != HashMapKind.descriptor.id }
        let pairing = try #require(Self.refusal(BuiltIn.schemes, withoutMap, [BenchPairing(EpochDomain.self, HashMapKind.self)]))
        #expect(pairing.message == "pairing ebr × hash-map: structure 'hash-map' is not registered")
        let pairedTwice = try #require(Self.refusal(BuiltIn.schemes, BuiltIn.structures,
                                                    [BenchPairing(EpochDomain.self, HashMapKind.self), BenchPairing(EpochDomain.self, HashMapKind.self)]))
        #expect(pairedTwice.message == "pairing ebr × hash-map is given twice")
        #expect(Self.refusal(BuiltIn.schemes, BuiltIn.structures) == nil, "the built-in lists install")
    }

    /// A short one-thread read-mostly hash-map cell.
    static func mapCell(_ scheme: SchemeID) throws -> CellSpec {
        let plan = try Matrix.plan(options {
            $0.structures = "hash-map"; $0.threads = "1"; $0.workloads = "read-mostly"; $0.repetitions = 1; $0.schemes = "ebr"
        })
        var spec = try #require(plan.cells.first { $0.scheme == .ebr })
        spec.scheme = scheme
        spec.durationSeconds = 0.05
        spec.warmupSeconds = 0.02
        return spec
    }

    @Test("cells through the registered bodies: an outside scheme's, an outside structure's, both (noted unspecialized) and a pairing's")
    func registeredBodies() throws {
        defer { Self.restore() }
        let outsideScheme = BuiltIn.schemes.map { $0.entry.descriptor.id == "ebr" ? BenchScheme(EpochDomain.self) : $0 }
        let outsideStructure = BuiltIn.structures.map { $0.entry.descriptor.id == "hash-map" ? BenchStructure(HashMapKind.self) : $0 }
        let spec = try Self.mapCell(.ebr)
        for (schemes, structures, pairings, noted) in [
            (outsideScheme, BuiltIn.structures, [BenchPairing](), false),
            (BuiltIn.schemes, outsideStructure, [], false),
            (outsideScheme, outsideStructure, [], true),
            (outsideScheme, outsideStructure, [BenchPairing(EpochDomain.self, HashMapKind.self)], false),
        ] {
            try BenchRegistry.install(schemes: schemes, structures: structures, pairings: pairings)
            let result = CellExecution.run(spec)
            #expect(result.status == .ok, "\(result.note)")
            #expect(result.reads > 0 && result.operations == result.reads + result.updates)
            #expect(result.note.contains("hash-map ran unspecialized under ebr") == noted, "note: '\(result.note)'")
        }
    }
}
