import Foundation
import ReclaimBenchSupport
import Reclamation

/// Each Swift scheme against its C library, and each C library in both harnesses: the
/// numbers that say whether a ratio the suite prints is the scheme's or the harness's.
///
/// - **Peer ratios**: in every read-mostly cell shape of the Swift harness, the Swift
///   scheme's throughput ÷ its C library's (ebr/ck-epoch, qsbr/urcu-qsbr, rcu/urcu-memb,
///   hp/ck-hp), paired by repetition within the group (the cells ran back to back), beside
///   both schemes' ratios to `none`.
/// - **Calibration**: for each shape the standalone C harness also ran, a C library's
///   ratio to `none` there and in the Swift cell, and the quotient (1 = the Swift cell
///   adds nothing the C harness does not), paired by repetition across the two groups;
///   and the nanoseconds each adds per read over `none` (per reader thread), which do not
///   depend on how much else a loop does.
/// Every figure is a median with a 95 % bootstrap interval over the repetitions.
public enum CalibrationAnalysis {
    /// A read-mostly cell shape (everything but the scheme, the repetition and the harness).
    public struct Shape: Hashable, Comparable, Sendable {
        public var structure: String
        public var threads: Int
        public var readPercent: Int
        public var writer: String
        public var sampler: String
        /// Rounds of read work (0 in files from before the column).
        public var readWork: Int

        init(_ row: [String: String]) {
            structure = row["structure"] ?? ""
            threads = Int(row["threads"] ?? "") ?? 0
            readPercent = Int(row["read_percent"] ?? "") ?? 0
            writer = row["writer"] ?? ""
            sampler = row["sampler"] ?? ""
            readWork = Int(row["read_work"] ?? "") ?? 0
        }

        /// The throughput a ratio compares: reads for the slot table (its writer is paced or
        /// apart), operations for the hash map.
        public var metric: String { structure == "slot-table" ? "reads_per_s" : "ops_per_s" }

        public var label: String {
            structure == "slot-table"
                ? "slot table, \(threads) reader\(threads == 1 ? "" : "s"), writer \(writer)"
                    + (readWork > 0 ? ", read work \(readWork)" : "")
                : "hash map, \(threads) thread\(threads == 1 ? "" : "s"), \(readPercent) % lookups"
        }

        public static func < (a: Shape, b: Shape) -> Bool {
            (a.structure, a.writer, a.readWork, a.readPercent, a.threads, a.sampler)
                < (b.structure, b.writer, b.readWork, b.readPercent, b.threads, b.sampler)
        }
    }

    public struct PeerRow: Sendable {
        public var shape: Shape
        public var scheme: String
        public var peer: String
        public var schemeToNone: RatioAnalysis.Estimate?
        public var peerToNone: RatioAnalysis.Estimate?
        /// The Swift scheme's throughput ÷ its C library's.
        public var schemeToPeer: RatioAnalysis.Estimate?
        /// Max-rate slot-table cells: the Swift scheme's writer updates/s ÷ its C library's.
        /// There the readers' rate falls with the writer's (each update invalidates a slot's
        /// line and brings a node every reader misses on), so a reads ratio below 1 beside a
        /// writer ratio above 1 is a faster writer, not a slower read side.
        public var writerToPeer: RatioAnalysis.Estimate?
    }

    public struct CalibrationRow: Sendable {
        public var shape: Shape
        public var scheme: String
        /// Ratio to `none` in the standalone C harness and in the Swift cell.
        public var cHarness: RatioAnalysis.Estimate?
        public var swiftCell: RatioAnalysis.Estimate?
        /// swiftCell ÷ cHarness, paired by repetition: 1 when the Swift cell adds nothing.
        public var cellOverHarness: RatioAnalysis.Estimate?
        /// Nanoseconds per read the scheme adds over `none` (per reader thread).
        public var addedNanosecondsC: RatioAnalysis.Estimate?
        public var addedNanosecondsSwift: RatioAnalysis.Estimate?
    }

    static func isCHarness(_ row: [String: String]) -> Bool { row["harness"] == "c" }

    static func readMostly(_ table: RatioAnalysis.Table) -> [[String: String]] {
        table.rows.filter { $0["workload"] == "read-mostly" && $0["status"] == "ok" }
    }

    /// value[group/repetition] of `scheme` in `rows`.
    static func values(_ rows: [[String: String]], scheme: String, metric: String) -> [String: Double] {
        var byKey: [String: Double] = [:]
        for row in rows where row["scheme"] == scheme {
            if let value = Double(row[metric] ?? ""), value > 0 { byKey[row["repetition"] ?? ""] = value }
        }
        return byKey
    }

    static func estimate(_ name: String, _ values: [Double], seed: UInt64) -> RatioAnalysis.Estimate? {
        guard !values.isEmpty else { return nil }
        var random = SplitMix64(seed: seed)
        let (low, high) = RatioAnalysis.bootstrapMedianInterval(values, resamples: 10_000, random: &random)
        return RatioAnalysis.Estimate(scheme: name, median: RatioAnalysis.median(values), low: low, high: high,
                                      repetitions: values.count)
    }

    /// Per repetition present in both: `combine(a, b)`.
    static func paired(_ a: [String: Double], _ b: [String: Double], _ combine: (Double, Double) -> Double) -> [Double] {
        a.keys.sorted().compactMap { key in b[key].map { combine(a[key]!, $0) } }
    }

    /// Shapes of the Swift harness's read-mostly cells, each with its rows.
    static func shapes(_ rows: [[String: String]]) -> [(Shape, [[String: String]])] {
        Dictionary(grouping: rows, by: Shape.init).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public static func peers(_ table: RatioAnalysis.Table) -> [PeerRow] {
        let rows = readMostly(table).filter { !isCHarness($0) }
        var result: [PeerRow] = []
        for (shape, cells) in shapes(rows) {
            let none = values(cells, scheme: "none", metric: shape.metric)
            for (scheme, peer) in SchemeID.cLibraryPeers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let own = values(cells, scheme: scheme.rawValue, metric: shape.metric)
                let theirs = values(cells, scheme: peer.rawValue, metric: shape.metric)
                guard !own.isEmpty, !theirs.isEmpty else { continue }
                result.append(PeerRow(
                    shape: shape, scheme: scheme.rawValue, peer: peer.rawValue,
                    schemeToNone: estimate(scheme.rawValue, paired(own, none, /), seed: 1),
                    peerToNone: estimate(peer.rawValue, paired(theirs, none, /), seed: 2),
                    schemeToPeer: estimate(scheme.rawValue, paired(own, theirs, /), seed: 3),
                    writerToPeer: shape.writer == "max-rate" ? estimate(scheme.rawValue, paired(
                        values(cells, scheme: scheme.rawValue, metric: "writer_updates_per_s"),
                        values(cells, scheme: peer.rawValue, metric: "writer_updates_per_s"), /), seed: 9) : nil))
            }
        }
        return result
    }

    /// ns per read added over `none` by a throughput `x` against `none`'s, for `threads`
    /// readers: threads × (1/x − 1/none).
    static func addedNanoseconds(_ x: Double, _ none: Double, threads: Int) -> Double {
        Double(threads) * (1 / x - 1 / none) * 1e9
    }

    public static func calibration(_ table: RatioAnalysis.Table) -> [CalibrationRow] {
        let rows = readMostly(table)
        let cRows = rows.filter(isCHarness), swiftRows = rows.filter { !isCHarness($0) }
        let swiftByShape = Dictionary(grouping: swiftRows, by: Shape.init)
        var result: [CalibrationRow] = []
        for (shape, cCells) in shapes(cRows) {
            let swiftCells = swiftByShape[shape] ?? []
            let noneC = values(cCells, scheme: "none", metric: shape.metric)
            let noneSwift = values(swiftCells, scheme: "none", metric: shape.metric)
            for scheme in HarnessLanguage.cSchemes where scheme != .none {
                let inC = values(cCells, scheme: scheme.rawValue, metric: shape.metric)
                guard !inC.isEmpty else { continue }
                let inSwift = values(swiftCells, scheme: scheme.rawValue, metric: shape.metric)
                let ratioC = Dictionary(uniqueKeysWithValues: noneC.keys.compactMap { key in inC[key].map { (key, $0 / noneC[key]!) } })
                let ratioSwift = Dictionary(uniqueKeysWithValues: noneSwift.keys.compactMap { key in
                    inSwift[key].map { (key, $0 / noneSwift[key]!) }
                })
                let threads = shape.threads
                result.append(CalibrationRow(
                    shape: shape, scheme: scheme.rawValue,
                    cHarness: estimate(scheme.rawValue, Array(ratioC.values), seed: 4),
                    swiftCell: estimate(scheme.rawValue, Array(ratioSwift.values), seed: 5),
                    cellOverHarness: estimate(scheme.rawValue, paired(ratioSwift, ratioC, /), seed: 6),
                    addedNanosecondsC: estimate(scheme.rawValue, paired(inC, noneC) { addedNanoseconds($0, $1, threads: threads) }, seed: 7),
                    addedNanosecondsSwift: estimate(scheme.rawValue, paired(inSwift, noneSwift) { addedNanoseconds($0, $1, threads: threads) }, seed: 8)))
            }
        }
        return result
    }

    // MARK: text

    static func ratio(_ estimate: RatioAnalysis.Estimate?) -> String {
        guard let estimate else { return "-" }
        return String(format: "%.2f [%.2f–%.2f]", estimate.median, estimate.low, estimate.high)
    }

    static func nanoseconds(_ estimate: RatioAnalysis.Estimate?) -> String {
        guard let estimate else { return "-" }
        return String(format: "%+.2f [%+.2f…%+.2f]", estimate.median, estimate.low, estimate.high)
    }

    /// The peer table and the calibration table, as `summarize` prints them ("" when the
    /// folder has neither).
    public static func text(_ table: RatioAnalysis.Table) -> String {
        var text = ""
        let peers = peers(table)
        if !peers.isEmpty {
            text += "Swift scheme ÷ its C library, and each ÷ none (throughput; median [95 % bootstrap interval], paired by repetition)\n"
            text += TextTable.render(
                header: ["cell", "scheme", "÷ none", "C library", "÷ none", "scheme ÷ C library", "writer ÷ C library",
                         "repetitions"],
                rows: peers.map { row in
                    [row.shape.label, row.scheme, ratio(row.schemeToNone), row.peer, ratio(row.peerToNone),
                     ratio(row.schemeToPeer), ratio(row.writerToPeer), String(row.schemeToPeer?.repetitions ?? 0)]
                })
            if peers.contains(where: { $0.writerToPeer != nil }) {
                text += "(writer ÷ C library: max-rate cells, the writer's updates/s; readers slow down with every update, so read the reads ratio beside it)\n"
            }
        }
        let calibration = calibration(table)
        if !calibration.isEmpty {
            if !text.isEmpty { text += "\n" }
            text += "Calibration: each C library's ratio to none in the standalone C harness and in the Swift cell (same shape, same run)\n"
            text += TextTable.render(
                header: ["cell", "C library", "C harness ÷ none", "Swift cell ÷ none", "Swift cell ÷ C harness",
                         "ns/read added: C harness", "Swift cell"],
                rows: calibration.map { row in
                    [row.shape.label, row.scheme, ratio(row.cHarness), ratio(row.swiftCell), ratio(row.cellOverHarness),
                     nanoseconds(row.addedNanosecondsC), nanoseconds(row.addedNanosecondsSwift)]
                })
            text += "(ns/read added: per reader thread, readers × (1/reads_per_s − 1/none's); it does not depend on what else a loop does, a ratio does)\n"
        }
        return text
    }
}
