import Foundation

/// A results folder read back for charts, the report and `pick`: the manifest and the
/// rows of runs.csv, series.csv and latency.csv, by column name. Everything these draw or
/// say comes from here, never from the running binary.
public struct ResultSet: Sendable {
    public let folder: URL
    public let manifest: Manifest
    public let runs: [ResultRow]
    public let series: [ResultRow]
    /// Empty for runs made before latency.csv existed (charts then fall back to the
    /// percentiles in runs.csv).
    public let latency: [ResultRow]

    public init(folder url: URL, manifest: Manifest, runs: [ResultRow], series: [ResultRow] = [], latency: [ResultRow] = []) {
        self.folder = url
        self.manifest = manifest
        self.runs = runs
        self.series = series
        self.latency = latency
    }

    /// Reads `path`: 66 when it is not there, 65 when it is not a complete results folder.
    public init(folder path: String) throws(RunnerError) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunnerError(.noInput, "\(path): no such results folder (expected a folder that `reclaim-bench run` wrote)")
        }
        let manifestURL = url.appendingPathComponent(ResultsFolder.manifestFile)
        guard let data = try? Data(contentsOf: manifestURL) else {
            throw RunnerError(.noInput, "\(path): no \(ResultsFolder.manifestFile) (not a results folder)")
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw RunnerError(.data, "\(manifestURL.path) is not a ReclaimBench manifest")
        }
        func rows(_ name: String, _ columns: [String], required: Bool) throws(RunnerError) -> [ResultRow] {
            let file = url.appendingPathComponent(name)
            if !required && !FileManager.default.fileExists(atPath: file.path) { return [] }
            let csv = try CSVFile.read(file, expecting: columns)
            let index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
            return csv.rows.map { ResultRow(index: index, fields: $0) }
        }
        self.init(folder: url, manifest: manifest,
                  runs: try rows(ResultsFolder.runsFile, ResultsSchema.runColumns, required: true),
                  series: try rows(ResultsFolder.seriesFile, ResultsSchema.seriesColumns, required: false),
                  latency: try rows(ResultsFolder.latencyFile, ResultsSchema.latencyColumns, required: false))
    }

    /// Rows that measured normally: status ok, in the Swift cells (the C harness's rows are
    /// calibration, `cHarness`), sampler on — or off where the run has no sampler-on twin of
    /// the shape (the calibration preset); the other sampler-off cells only measure the
    /// sampler's effect.
    public var measured: [ResultRow] { measured(readWork: 0) }

    /// As `measured`, for the cells run with `readWork` rounds of read work (calibration's;
    /// 0 is every other cell): a ratio is only a ratio within one read work.
    public func measured(readWork: Int) -> [ResultRow] {
        let ok = runs.filter { $0["status"] == "ok" && $0["harness"] != "c" && Self.readWork($0) == readWork && $0["knobs"].isEmpty }
        let shape = { (row: ResultRow) in
            ["workload", "structure", "threads", "read_percent", "key_range", "writer", "stalled_reader"].map { row[$0] }
        }
        let sampled = Set(ok.filter { $0["sampler"] == "true" }.map(shape))
        return ok.filter { $0["sampler"] == "true" || !sampled.contains(shape($0)) }
    }

    /// A row's read work (empty in runs from before the column: 0).
    public static func readWork(_ row: ResultRow) -> Int { Int(row["read_work"]) ?? 0 }

    /// Rows of the standalone C harness (calibration cells).
    public var cHarness: [ResultRow] { runs.filter { $0["status"] == "ok" && $0["harness"] == "c" && $0["knobs"].isEmpty } }

    /// The rows at the default configuration as column → value dictionaries (RatioAnalysis'
    /// input); `sweepTable` adds a knob sweep's rows (KnobAnalysis).
    public var table: RatioAnalysis.Table {
        RatioAnalysis.Table(rows: sweepTable.rows.filter(RatioAnalysis.Table.atDefaults))
    }

    public var sweepTable: RatioAnalysis.Table {
        let columns = ResultsSchema.runColumns
        return RatioAnalysis.Table(rows: runs.map { row in Dictionary(uniqueKeysWithValues: columns.map { ($0, row[$0]) }) })
    }

    /// Schemes in the order the charts and tables list them: the baseline first, then as
    /// the manifest lists them, then any others by name.
    public var schemes: [String] {
        let present = Set(runs.map { $0["scheme"] })
        let known = ["none"] + manifest.schemes.map(\.id)
        var ordered: [String] = []
        for id in known where present.contains(id) && !ordered.contains(id) { ordered.append(id) }
        return ordered + present.subtracting(ordered).sorted()
    }

    /// Online CPUs of the machine that made the run.
    public var cpus: Int { max(1, manifest.cpusOnline) }

    /// "full", or "quick — a first look, not the reference".
    public var presetLabel: String {
        switch manifest.preset {
        case .full: "full preset (reference)"
        case .calibration: "calibration preset"
        case .quick: "quick preset — a first look, not the reference"
        }
    }

    /// The capabilities the run recorded for `scheme` (empty when the manifest does not
    /// list it).
    public func capabilities(of scheme: String) -> Set<String>? {
        manifest.schemes.first { $0.id == scheme }.map { Set($0.capabilities.split(separator: " ").map(String.init)) }
    }
}

/// One CSV row, read by column name.
public struct ResultRow: Sendable {
    let index: [String: Int]
    public let fields: [String]

    public init(index: [String: Int], fields: [String]) {
        self.index = index
        self.fields = fields
    }

    /// A row from column → value pairs (tests and fixtures).
    public init(_ values: [String: String], columns: [String]) {
        index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        fields = columns.map { values[$0] ?? "" }
    }

    /// The field, or "" when the column does not exist.
    public subscript(_ column: String) -> String {
        guard let position = index[column], position < fields.count else { return "" }
        return fields[position]
    }

    public func number(_ column: String) -> Double? { Double(self[column]) }
    public func integer(_ column: String) -> Int? { Int(self[column]) }
}

/// Median and range of a set of repetitions.
public struct Spread: Sendable, Equatable {
    public var median: Double
    public var low: Double
    public var high: Double
    public var count: Int

    public init?(_ values: [Double]) {
        let finite = values.filter(\.isFinite).sorted()
        guard !finite.isEmpty else { return nil }
        count = finite.count
        median = finite.count % 2 == 1 ? finite[finite.count / 2] : (finite[finite.count / 2 - 1] + finite[finite.count / 2]) / 2
        low = finite[0]
        high = finite[finite.count - 1]
    }

    public var range: ClosedRange<Double> { low...high }
}

extension ResultSet {
    /// The structures `rows` ran, in the order they first appear: a structure gets its
    /// charts from the rows alone, so an outside package's structure (one the chart command
    /// has never heard of) is drawn like a built-in one.
    static func structures(_ rows: [ResultRow]) -> [String] {
        var seen = Set<String>()
        return rows.map { $0["structure"] }.filter { seen.insert($0).inserted }
    }

    /// Read-mostly rows of keyed structures (lookups, inserts and removes; no separate
    /// writer) and of slot structures (readers beside one writer, paced or at full speed).
    static func keyedReadMostly(_ rows: [ResultRow]) -> [ResultRow] {
        rows.filter { $0["workload"] == "read-mostly" && $0["writer"] == "none" }
    }
    static func slotReadMostly(_ rows: [ResultRow]) -> [ResultRow] {
        rows.filter { $0["workload"] == "read-mostly" && $0["writer"] != "none" }
    }
    static func reclaimLatency(_ rows: [ResultRow]) -> [ResultRow] {
        rows.filter { $0["workload"] == "reclaim-latency" }
    }
}
