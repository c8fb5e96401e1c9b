// The package's reclaim-bench: the whole command line over the built-in schemes and
// structures. A client's executable is the same one line with its own lists
// (Examples/OutsideScheme).
import ReclaimBenchCLI
import ReclaimBenchKit

ReclaimBenchCommand.main(schemes: BuiltIn.schemes, structures: BuiltIn.structures)
