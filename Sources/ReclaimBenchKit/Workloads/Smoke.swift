import Foundation
import Reclamation

/// A short run of every scheme on the slot-array stress: proves the build works end to end
/// and shows the order of magnitude. Not a benchmark — the runner is (no repetitions, no
/// child processes, no warm-up discarded); its output says so.
public enum Smoke {
    public struct Row: Sendable {
        public var scheme: String
        public var readsPerSecond: Double
        public var updatesPerSecond: Double
        public var statistics: ReclaimerStatistics
    }

    public static func run(schemes: [SchemeID], parameters: SlotStress.Parameters) -> [Row] {
        struct Visit: SchemeVisitor {
            let parameters: SlotStress.Parameters
            func visit<R: Reclaimer>(_ scheme: R.Type) -> Row {
                let domain: R
                do { domain = try R(configuration: ReclaimerConfiguration()) } catch {
                    fatalError("cannot build a \(R.descriptor.id) domain: \(error)")
                }
                let outcome = SlotStress.run(domain: domain, tracker: nil, parameters: parameters)
                let seconds = Double(outcome.elapsed.components.seconds) + Double(outcome.elapsed.components.attoseconds) / 1e18
                return Row(
                    scheme: R.descriptor.id, readsPerSecond: Double(outcome.reads) / seconds,
                    updatesPerSecond: Double(outcome.updates) / seconds, statistics: outcome.statistics
                )
            }
        }
        return schemes.map { $0.accept(Visit(parameters: parameters)) }
    }

    public static func table(_ rows: [Row]) -> String {
        TextTable.render(
            header: ["scheme", "reads/s", "updates/s", "retired", "freed", "peak pending", "after drain"],
            rows: rows.map { row in
                [row.scheme, format(row.readsPerSecond), format(row.updatesPerSecond), String(row.statistics.retired),
                 String(row.statistics.freed), String(row.statistics.peakPending),
                 row.statistics.retired == row.statistics.freed ? "all freed" : "LEAKED \(row.statistics.pending)"]
            })
    }

    static func format(_ value: Double) -> String {
        value >= 1e6 ? String(format: "%.2fM", value / 1e6) : String(format: "%.0fk", value / 1e3)
    }
}
