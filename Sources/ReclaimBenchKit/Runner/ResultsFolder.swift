import Foundation

/// A run's output folder. Created once (an existing folder is never overwritten); runs.csv
/// is rewritten through a temporary file and a rename after every cell, so it always holds
/// whole rows of finished cells; series.csv gets each cell's block in one append, before
/// its row appears in runs.csv; manifest.json is replaced the same way.
public final class ResultsFolder {
    public let url: URL
    private var runRows: [String] = []
    private let series: FileHandle

    public static let runsFile = "runs.csv", seriesFile = "series.csv", manifestFile = "manifest.json"

    /// Creates `path` (and missing parents). Throws 73 when it exists or cannot be made.
    public init(creating path: String) throws(RunnerError) {
        let url = URL(fileURLWithPath: path)
        let files = FileManager.default
        if files.fileExists(atPath: url.path) {
            throw RunnerError(.cannotCreate, "\(url.path) exists; refusing to overwrite earlier results (choose another --out)")
        }
        do {
            try files.createDirectory(at: url, withIntermediateDirectories: true)
            let seriesURL = url.appendingPathComponent(Self.seriesFile)
            try (ResultsSchema.seriesColumns.joined(separator: ",") + "\n").write(to: seriesURL, atomically: true, encoding: .utf8)
            series = try FileHandle(forWritingTo: seriesURL)
            series.seekToEndOfFile()
        } catch {
            throw RunnerError(.cannotCreate, "cannot create results folder \(url.path): \(error.localizedDescription)")
        }
        self.url = url
        try writeRuns()
    }

    deinit { try? series.close() }

    /// Adds one finished cell: its series block first, then its row.
    public func append(row: String, seriesRows: [String]) throws(RunnerError) {
        try append(rows: [row], seriesRows: seriesRows)
    }

    /// Adds finished cells (merge): their series first, then their rows, in one rewrite.
    public func append(rows: [String], seriesRows: [String]) throws(RunnerError) {
        if !seriesRows.isEmpty {
            do {
                try series.write(contentsOf: Data((seriesRows.joined(separator: "\n") + "\n").utf8))
            } catch {
                throw RunnerError(.io, "cannot write \(url.appendingPathComponent(Self.seriesFile).path): \(error.localizedDescription)")
            }
        }
        runRows += rows
        try writeRuns()
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
