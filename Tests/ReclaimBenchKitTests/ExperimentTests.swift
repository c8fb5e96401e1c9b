import ReclaimBenchKit
import Testing
import TestSupport

/// The experiments' registry: every workload id reaches the experiment that says it is that
/// id, and what each says it fills is a runs.csv column.
@Suite(.watchdog)
struct ExperimentTests {
    @Test("every WorkloadID dispatches to its own experiment", arguments: WorkloadID.allCases)
    func dispatch(_ workload: WorkloadID) {
        #expect(workload.experimentID == workload)
    }

    @Test("each experiment's columns are runs.csv columns", arguments: WorkloadID.allCases)
    func columns(_ workload: WorkloadID) {
        #expect(!workload.columns.isEmpty)
        for column in workload.columns { #expect(ResultsSchema.runColumns.contains(column), "\(workload): \(column)") }
    }

    @Test("a preset's plan holds each experiment's cells, grouped in WorkloadID order")
    func planOrder() throws {
        let plan = try Matrix.plan(try options { $0.preset = "full" })
        var seen: [WorkloadID] = []
        for cell in plan.cells.sorted(by: { $0.group < $1.group }) where seen.last != cell.workload { seen.append(cell.workload) }
        #expect(seen == WorkloadID.allCases)
    }
}
