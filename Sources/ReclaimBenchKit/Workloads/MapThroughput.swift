import LockFreeStructures
import Reclamation

/// Throughput of a read-mostly hash map (the workloads' "routing table"): keys 0..<range,
/// prefilled to half, each thread doing lookups and, with the rest of its operations,
/// inserts and removes split evenly. A view of the runner's read-mostly hash-map cell —
/// the same body, in this process, one repetition, without the CSV — so that the quick
/// number and the matrix's can differ only by the machine's noise.
public enum MapThroughput {
    public struct Result: Sendable {
        public var scheme: String
        public var threads: Int
        public var cell: CellResult
        public var operationsPerSecond: Double { cell.operationsPerSecond }
    }

    /// One cell per scheme and thread count; `skipped`: "scheme × hash-map: reason" for
    /// each scheme that cannot run the map.
    public static func run(schemes: [SchemeID], threads: [Int], readPercent: Int, keyRange: Int,
                           durationSeconds: Double) throws(RunnerError) -> (results: [Result], skipped: [String]) {
        var arguments = RunArguments()
        arguments.schemes = schemes.map(\.rawValue).joined(separator: ",")
        arguments.structures = StructureID.hashMap.rawValue
        arguments.workloads = WorkloadID.readMostly.rawValue
        arguments.threads = threads.map(String.init).joined(separator: ",")
        arguments.readPercent = String(readPercent)
        arguments.keyRange = keyRange
        arguments.duration = durationSeconds
        arguments.repetitions = 1
        let plan = try Matrix.plan(try RunOptions(arguments))
        let results = plan.cells.map { spec in
            Result(scheme: spec.scheme.rawValue, threads: spec.threads, cell: CellExecution.run(spec))
        }
        return (results, plan.skipped)
    }
}
