import ArgumentParser
import CReclaimSupport
import Foundation
import LockFreeStructures
import Reclamation
import ReclaimBenchKit

/// Prints a runner error as one line and exits with its sysexits code.
func fail(_ error: RunnerError) -> ExitCode {
    FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
    return ExitCode(error.code.rawValue)
}

/// The whole `reclaim-bench` command line, as a library: the package's executable runs it
/// over the built-in schemes and structures, and a client's executable over its own list —
/// `ReclaimBenchCommand.main(schemes: BuiltIn.schemes + [BenchScheme(MyDomain.self)],
/// structures: BuiltIn.structures + [BenchStructure(MyStackKind.self)])` is a full
/// reclaim-bench with the client's scheme and structure in every command, their cells
/// specialized in the client's module. A run's cells run in child processes of that same
/// executable, which install the same lists.
public struct ReclaimBenchCommand: ParsableCommand {
    public init() {}

    /// Installs `schemes`, `structures` and `pairings` (an outside scheme and an outside
    /// structure specialized together; see `BenchPairing`) — a duplicate or clashing id:
    /// one line, exit 64 — then parses the process's arguments and runs the command.
    public static func main(schemes: [BenchScheme], structures: [BenchStructure], pairings: [BenchPairing] = []) {
        do { try BenchRegistry.install(schemes: schemes, structures: structures, pairings: pairings) } catch {
            Self.exit(withError: fail(error))
        }
        main()
    }

    public static let configuration = CommandConfiguration(
        commandName: "reclaim-bench",
        abstract: "Compare and torture safe-memory-reclamation schemes.",
        subcommands: [Run.self, Merge.self, Chart.self, PickCommand.self, TortureCommand.self, Summarize.self, List.self, Smoke.self, ReadCost.self, SyncLatency.self, RetireLatency.self,
                      MapThroughput.self, Probe.self, Cell.self],
        defaultSubcommand: nil
    )
}

/// Parses `--schemes`: comma-separated ids, each one the catalog knows; nil means all.
func parseSchemes(_ text: String?) throws -> [SchemeID] {
    guard let text else { return SchemeID.allCases }
    do {
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { try SchemeID.parse(String($0)) }
    } catch { throw ValidationError("--schemes: \(error)") }
}

// `--schemes` defaults to nil (all) rather than to a string computed from SchemeID.allCases:
// that default crashed the release binary while ArgumentParser built the command (in
// `swift_once` for a global, then in the option's initializer) — left for a reduced report.


/// `argument` as a POSIX shell word (single-quoted unless it is plainly safe).
func shellQuoted(_ argument: String) -> String {
    let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+%@".contains($0) }
    if safe && !argument.isEmpty { return argument }
    return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
