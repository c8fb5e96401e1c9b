import Foundation

/// A run's output folder. Created once (an existing folder is never overwritten); runs.csv
/// is rewritten through a temporary file and a rename after every cell, so it always holds
/// whole rows of finished cells; series.csv and latency.csv get each cell's block in one
/// append, before its row appears in runs.csv; manifest.json is replaced the same way.
public final class ResultsFolder {
    public let url: URL
    private var runRows: [String] = []
    private let series: FileHandle
    private let latency: FileHandle

    public static let runsFile = "runs.csv", seriesFile = "series.csv", latencyFile = "latency.csv",
        manifestFile = "manifest.json"

    /// Creates `path` (and missing parents). Throws 73 when it exists or cannot be made.
    public init(creating path: String) throws(RunnerError) {
        let url = URL(fileURLWithPath: path)
        let files = FileManager.default
        if files.fileExists(atPath: url.path) {
            throw RunnerError(.cannotCreate, "\(url.path) exists; refusing to overwrite earlier results (choose another --out)")
        }
        func open(_ name: String, header: [String]) throws -> FileHandle {
            let fileURL = url.appendingPathComponent(name)
            try (header.joined(separator: ",") + "\n").write(to: fileURL, atomically: true, encoding: .utf8)
            let handle = try FileHandle(forWritingTo: fileURL)
            handle.seekToEndOfFile()
            return handle
        }
        do {
            try files.createDirectory(at: url, withIntermediateDirectories: true)
            series = try open(Self.seriesFile, header: ResultsSchema.seriesColumns)
            latency = try open(Self.latencyFile, header: ResultsSchema.latencyColumns)
        } catch {
            throw RunnerError(.cannotCreate, "cannot create results folder \(url.path): \(error.localizedDescription)")
        }
        self.url = url
        try writeRuns()
    }

    deinit {
        try? series.close()
        try? latency.close()
    }

    /// Adds one finished cell: its series and latency blocks first, then its row.
    public func append(row: String, seriesRows: [String], latencyRows: [String]) throws(RunnerError) {
        try append(rows: [row], seriesRows: seriesRows, latencyRows: latencyRows)
    }

    /// Adds finished cells (merge): their series and latency blocks first, then their rows,
    /// in one rewrite.
    public func append(rows: [String], seriesRows: [String], latencyRows: [String]) throws(RunnerError) {
        try append(seriesRows, to: series, named: Self.seriesFile)
        try append(latencyRows, to: latency, named: Self.latencyFile)
        runRows += rows
        try writeRuns()
    }

    private func append(_ lines: [String], to handle: FileHandle, named name: String) throws(RunnerError) {
        guard !lines.isEmpty else { return }
        do {
            try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
        } catch {
            throw RunnerError(.io, "cannot write \(url.appendingPathComponent(name).path): \(error.localizedDescription)")
        }
    }

    public var rowCount: Int { runRows.count }

    private func writeRuns() throws(RunnerError) {
        let text = ([ResultsSchema.runColumns.joined(separator: ",")] + runRows).joined(separator: "\n") + "\n"
        try Self.replace(url.appendingPathComponent(Self.runsFile), with: Data(text.utf8))
    }

    public func writeManifest(_ manifest: Manifest) throws(RunnerError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(manifest) } catch { throw RunnerError(.io, "cannot encode the manifest: \(error)") }
        try Self.replace(url.appendingPathComponent(Self.manifestFile), with: data)
    }

    /// Writes `data` to a temporary file beside `target`, then renames it over `target`.
    static func replace(_ target: URL, with data: Data) throws(RunnerError) {
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).tmp")
        do { try data.write(to: temporary) } catch {
            throw RunnerError(.io, "cannot write \(temporary.path): \(error.localizedDescription)")
        }
        // rename(2) is atomic within a file system: readers see the old file or the new one.
        guard rename(temporary.path, target.path) == 0 else {
            throw RunnerError(.io, "cannot rename \(temporary.path) to \(target.path): \(String(cString: strerror(errno)))")
        }
    }
}
