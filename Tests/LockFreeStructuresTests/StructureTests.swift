@_spi(Planted) import LockFreeStructures
import Reclamation
import ReclaimBenchKit
import ReclaimTorture
import Testing
import TestSupport

/// Runs a structure check on every scheme that can run the structure.
struct StructureCheck: SchemeVisitor {
    let structure: StructureID
    let check: @Sendable (any SchemeRunner) -> [String]

    func visit<R: Reclaimer>(_ scheme: R.Type) -> [String]? {
        if structure.unsupportedReason(R.self) != nil { return nil }
        return check(Runner<R>())
    }
}

/// A scheme-typed entry point for the generic checks (a visitor cannot be generic twice).
protocol SchemeRunner: Sendable {
    func mapModel(hashMap: Bool, fault: PlantedStructureFault) -> [String]
    func queueModel(fault: PlantedStructureFault) -> [String]
    func slotTableModel(fault: PlantedStructureFault) -> [String]
    func mapConcurrent(hashMap: Bool) -> [String]
    func queueConcurrent() -> [String]
    func removeRacesInsert(fault: PlantedStructureFault) -> [String]
}

struct Runner<R: Reclaimer>: SchemeRunner {
    func make() -> R { try! R(configuration: .testing) }
    func mapModel(hashMap: Bool, fault: PlantedStructureFault) -> [String] { StructureChecks.mapModel(make, hashMap: hashMap, fault: fault) }
    func queueModel(fault: PlantedStructureFault) -> [String] { StructureChecks.queueModel(make, fault: fault) }
    func slotTableModel(fault: PlantedStructureFault) -> [String] { StructureChecks.slotTableModel(make, fault: fault) }
    func mapConcurrent(hashMap: Bool) -> [String] { StructureChecks.mapConcurrent(make, hashMap: hashMap) }
    func queueConcurrent() -> [String] { StructureChecks.queueConcurrent(make) }
    func removeRacesInsert(fault: PlantedStructureFault) -> [String] { StructureChecks.removeRacesInsert(make, fault: fault) }
}

func run(_ structure: StructureID, on scheme: SchemeID, _ check: @escaping @Sendable (any SchemeRunner) -> [String]) -> [String]? {
    scheme.accept(StructureCheck(structure: structure, check: check))
}

/// Every structure, every scheme that can run it. Serialized: the concurrent checks start
/// threads of their own.
@Suite(.watchdog, .serialized)
struct StructureTests {
    @Test("Harris–Michael list matches a Dictionary on a seeded random sequence", arguments: TestedSchemes.all)
    func listModel(scheme: SchemeID) {
        let problems = run(.harrisMichaelList, on: scheme) { $0.mapModel(hashMap: false, fault: .none) }
        #expect(problems == nil || problems!.isEmpty, "\(problems ?? [])")
        #expect((problems == nil) == (scheme == .arc), "only arc may not run the list")
    }

    @Test("hash map matches a Dictionary on a seeded random sequence", arguments: TestedSchemes.all)
    func mapModel(scheme: SchemeID) {
        let problems = run(.hashMap, on: scheme) { $0.mapModel(hashMap: true, fault: .none) }
        #expect(problems == nil || problems!.isEmpty, "\(problems ?? [])")
    }

    @Test("Michael–Scott queue matches an Array (FIFO) on a seeded random sequence", arguments: TestedSchemes.all)
    func queueModel(scheme: SchemeID) {
        let problems = run(.michaelScottQueue, on: scheme) { $0.queueModel(fault: .none) }
        #expect(problems?.isEmpty == true, "\(problems ?? [])")
    }

    @Test("slot table matches an Array on a seeded random sequence", arguments: TestedSchemes.all)
    func slotTableModel(scheme: SchemeID) {
        let problems = run(.slotTable, on: scheme) { $0.slotTableModel(fault: .none) }
        #expect(problems?.isEmpty == true, "\(problems ?? [])")
    }

    @Test("concurrent list: key sum and size match the successful operations", arguments: TestedSchemes.all)
    func listConcurrent(scheme: SchemeID) {
        let problems = run(.harrisMichaelList, on: scheme) { $0.mapConcurrent(hashMap: false) }
        #expect(problems == nil || problems!.isEmpty, "\(problems ?? [])")
    }

    @Test("concurrent hash map: key sum and size match the successful operations", arguments: TestedSchemes.all)
    func mapConcurrent(scheme: SchemeID) {
        let problems = run(.hashMap, on: scheme) { $0.mapConcurrent(hashMap: true) }
        #expect(problems == nil || problems!.isEmpty, "\(problems ?? [])")
    }

    @Test("concurrent queue: every value once, each producer's in order", arguments: TestedSchemes.all)
    func queueConcurrent(scheme: SchemeID) {
        let problems = run(.michaelScottQueue, on: scheme) { $0.queueConcurrent() }
        #expect(problems?.isEmpty == true, "\(problems ?? [])")
    }

    @Test("a remove paused after finding its node does not lose an insert after it", arguments: TestedSchemes.all)
    func removeRacesInsert(scheme: SchemeID) {
        let problems = run(.harrisMichaelList, on: scheme) { $0.removeRacesInsert(fault: .none) }
        #expect(problems == nil || problems!.isEmpty, "\(problems ?? [])")
    }
}

/// One planted bug per structure, each caught by the check that should catch it.
@Suite(.watchdog, .serialized)
struct PlantedStructureTests {
    @Test("a list that unlinks without marking loses the racing insert", arguments: [SchemeID.hp, .ebr, .rc])
    func unlinkWithoutMarking(scheme: SchemeID) {
        let problems = run(.harrisMichaelList, on: scheme) { $0.removeRacesInsert(fault: .unlinksWithoutMarking) }
        #expect(problems?.isEmpty == false)
    }

    @Test("a hash map that inserts duplicates fails its model test", arguments: [SchemeID.hp, .qsbr])
    func insertsDuplicates(scheme: SchemeID) {
        let problems = run(.hashMap, on: scheme) { $0.mapModel(hashMap: true, fault: .insertsDuplicates) }
        #expect(problems?.isEmpty == false)
    }

    @Test("a queue that dequeues the dummy's value fails its model test", arguments: [SchemeID.hp, .rcu])
    func dequeuesDummy(scheme: SchemeID) {
        let problems = run(.michaelScottQueue, on: scheme) { $0.queueModel(fault: .dequeuesDummyValue) }
        #expect(problems?.isEmpty == false)
    }

    @Test("a slot table that forgets to retire fails its retired count", arguments: [SchemeID.hp, .arc])
    func forgetsToRetire(scheme: SchemeID) {
        let problems = run(.slotTable, on: scheme) { $0.slotTableModel(fault: .forgetsToRetire) }
        #expect(problems?.isEmpty == false)
    }
}
