// A full reclaim-bench over the built-in schemes and structures plus this package's own:
// every command (list, run, chart, pick, torture, …) sees outside-epoch and treiber-stack.
// `BenchScheme`/`BenchStructure` compile the cells for them here, with their types known
// (specialized, as the built-in ones are in ReclaimBenchKit); the pairing does the same
// for this scheme on this structure.
// OUTSIDE_BENCH_EBR_AS_OUTSIDE=1 registers the built-in ebr the way an outside scheme is
// registered (its cells compiled here, through its BenchScheme), for the check that this
// path times a scheme as the built-in path does (README "Add a scheme").
// OUTSIDE_BENCH_BROKEN=1 registers the broken variant as well (outside-epoch-broken), for
// the check that torture catches it; a child cell inherits the variable, so it registers
// the same list.
import Foundation
import OutsideSchemes
import ReclaimBenchCLI
import ReclaimBenchKit
import Reclamation

let environment = ProcessInfo.processInfo.environment
var schemes = BuiltIn.schemes + [BenchScheme(OutsideEpochDomain<CorrectEpochs>.self)]
if environment["OUTSIDE_BENCH_EBR_AS_OUTSIDE"] == "1" {
    schemes = schemes.map { $0.entry.descriptor.id == EpochDomain.descriptor.id ? BenchScheme(EpochDomain.self) : $0 }
}
if environment["OUTSIDE_BENCH_BROKEN"] == "1" {
    schemes.append(BenchScheme(OutsideEpochDomain<FreesOneEpochEarly>.self))
}
ReclaimBenchCommand.main(
    schemes: schemes,
    structures: BuiltIn.structures + [BenchStructure(TreiberStackKind.self)],
    pairings: [BenchPairing(OutsideEpochDomain<CorrectEpochs>.self, TreiberStackKind.self)])
