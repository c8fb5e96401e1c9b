// A full reclaim-bench over the built-in schemes and structures plus this package's own:
// every command (list, run, chart, pick, torture, …) sees outside-epoch and treiber-stack.
// OUTSIDE_BENCH_BROKEN=1 registers the broken variant as well (outside-epoch-broken), for
// the check that torture catches it; a child cell inherits the variable, so it registers
// the same list.
import Foundation
import LockFreeStructures
import OutsideSchemes
import ReclaimBenchCLI
import Reclamation

var schemes = BuiltInSchemes.all + [SchemeEntry(OutsideEpochDomain<CorrectEpochs>.self)]
if ProcessInfo.processInfo.environment["OUTSIDE_BENCH_BROKEN"] == "1" {
    schemes.append(SchemeEntry(OutsideEpochDomain<FreesOneEpochEarly>.self))
}
ReclaimBenchCommand.main(schemes: schemes, structures: BuiltInStructures.all + [StructureEntry(TreiberStackKind.self)])
