@_spi(Planted) import Reclamation
import ReclaimBenchKit
import ReclaimTorture
import Testing
import TestSupport

/// Runs one conformance check on the scheme with this id, with tiny thresholds and bags.
func runConformance(_ check: ConformanceCheck, on scheme: SchemeID) -> ConformanceReport {
    struct Visit: SchemeVisitor {
        let check: ConformanceCheck
        func visit<R: Reclaimer>(_ type: R.Type) -> ConformanceReport {
            Conformance.run(check) { try! R(configuration: .testing) }
        }
    }
    return scheme.accept(Visit(check: check))
}

/// The conformance suite, run against every scheme without change. Serialized: the checks
/// start threads of their own and some read per-thread allocator counters.
@Suite(.watchdog, .serialized)
struct ConformanceSuiteTests {
    @Test("every scheme keeps the Reclaimer contract", arguments: TestedSchemes.all, ConformanceCheck.allCases)
    func conformance(scheme: SchemeID, check: ConformanceCheck) {
        let report = runConformance(check, on: scheme)
        print(report)
        #expect(report.violations.isEmpty, "\(report)")
        if check == .handOff {
            // The check applies exactly when the scheme claims the capability.
            #expect((report.notApplicable == nil) == scheme.descriptor.capabilities.contains(.crossThreadRelease))
        }
    }
}

/// Each planted fault is caught by the check named for it: the suite can fail.
@Suite(.watchdog, .serialized)
struct PlantedSchemeTests {
    enum Case: String, CaseIterable, Sendable {
        // The four the foundation issue names:
        case freesOnRetireVsProtection, freesOnRetireVsStress, freesTwiceInDrainVsRetireThenDrain
        case dropsGarbageOnExitVsThreadExit, hazardScanIgnoringSlotsVsProtection
        // One for every other check, so that each check is shown able to fail:
        case dropsGarbageOnExitVsRetireThenDrain, hazardRetireNeverScansVsBoundedGarbage
        case hazardDetachDroppingProtectionVsHandOff, allocatesOnReadVsReadPath
    }

    @Test("a planted broken scheme is reported as failing", arguments: Case.allCases)
    func plantedFaultIsCaught(_ planted: Case) {
        let report: ConformanceReport
        switch planted {
        case .freesOnRetireVsProtection:
            report = Conformance.run(.protectionOutlivesRetire) { PlantedDomain<FreesOnRetire>(configuration: .testing) }
        case .freesOnRetireVsStress:
            report = Conformance.run(.concurrentStress) { PlantedDomain<FreesOnRetire>(configuration: .testing) }
        case .freesTwiceInDrainVsRetireThenDrain:
            report = Conformance.run(.retireThenDrain) { PlantedDomain<FreesTwiceInDrain>(configuration: .testing) }
        case .dropsGarbageOnExitVsThreadExit:
            report = Conformance.run(.threadExitLosesNothing) { PlantedDomain<DropsGarbageOnExit>(configuration: .testing) }
        case .hazardScanIgnoringSlotsVsProtection:
            report = Conformance.run(.protectionOutlivesRetire) {
                HazardPointerDomain(configuration: .testing, plantedFault: .scanIgnoresSlots)
            }
        case .dropsGarbageOnExitVsRetireThenDrain:
            report = Conformance.run(.retireThenDrain) { PlantedDomain<DropsGarbageOnExit>(configuration: .testing) }
            if AllocatorStatistics.mallocIsJemalloc {
                // The leaked nodes show in the thread's live bytes too, not only in the census.
                #expect(report.violations.contains { $0.contains("thread live bytes moved") }, "\(report)")
            }
        case .hazardRetireNeverScansVsBoundedGarbage:
            report = Conformance.run(.boundedGarbage) {
                HazardPointerDomain(configuration: .testing, plantedFault: .retireNeverScans)
            }
        case .hazardDetachDroppingProtectionVsHandOff:
            report = Conformance.run(.handOff) {
                HazardPointerDomain(configuration: .testing, plantedFault: .detachDropsProtection)
            }
        case .allocatesOnReadVsReadPath:
            guard AllocatorStatistics.mallocIsJemalloc else { return }  // the check cannot measure here
            report = Conformance.run(.readPathAllocatesNothing) { PlantedDomain<AllocatesOnRead>(configuration: .testing) }
        }
        print("[planted \(planted)] \(report)")
        #expect(!report.violations.isEmpty, "the planted fault went unnoticed: \(report)")
    }

    @Test("the fault, not the base, is what fails: planted schemes pass the checks their fault does not touch")
    func plantedBasePasses() {
        // frees-on-retire loses nothing and frees once: only protection checks can see it.
        #expect(Conformance.run(.retireThenDrain) { PlantedDomain<FreesOnRetire>(configuration: .testing) }.passed)
        #expect(Conformance.run(.threadExitLosesNothing) { PlantedDomain<FreesOnRetire>(configuration: .testing) }.passed)
        // The planted hazard-pointer domain with its fault switched off passes the check
        // that catches the fault switched on.
        for check in [ConformanceCheck.protectionOutlivesRetire, .boundedGarbage, .handOff] {
            #expect(Conformance.run(check) { HazardPointerDomain(configuration: .testing, plantedFault: .none) }.passed)
        }
        #expect(Conformance.run(.readPathAllocatesNothing) { PlantedDomain<FreesOnRetire>(configuration: .testing) }.passed)
    }
}
