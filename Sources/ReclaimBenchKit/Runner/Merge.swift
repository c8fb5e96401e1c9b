import Foundation

/// `reclaim-bench merge`: shards of one plan, run on several machines, into one results
/// folder. Refuses shards of different commits or flags (exit 65).
public enum Merge {
    public static func merge(_ inputs: [String], into out: String, command: [String]) throws(RunnerError) -> URL {
        guard inputs.count >= 1 else { throw RunnerError(.usage, "merge: name at least one results folder") }
        var manifests: [Manifest] = []
        for input in inputs {
            let url = URL(fileURLWithPath: input).appendingPathComponent(ResultsFolder.manifestFile)
            guard let data = try? Data(contentsOf: url) else {
                throw RunnerError(.data, "merge: \(input) has no readable \(ResultsFolder.manifestFile)")
            }
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
                throw RunnerError(.data, "merge: \(url.path) is not a ReclaimBench manifest")
            }
            manifests.append(manifest)
        }
        let first = manifests[0]
        var base = first.options
        base.shard = nil
        var seen = Set<Int>()
        for (input, manifest) in zip(inputs, manifests) {
            if manifest.gitCommit != first.gitCommit || manifest.gitDirty != first.gitDirty {
                throw RunnerError(.data, "merge: \(input) was run at commit \(manifest.gitCommit)\(manifest.gitDirty ? " (dirty)" : ""), \(inputs[0]) at \(first.gitCommit)\(first.gitDirty ? " (dirty)" : "")")
            }
            var options = manifest.options
            options.shard = nil
            if options != base {
                throw RunnerError(.data, "merge: \(input) was run with other flags than \(inputs[0]) (\(manifest.command.joined(separator: " ")) vs \(first.command.joined(separator: " ")))")
            }
            guard let shard = manifest.shard, shard.count == inputs.count else {
                throw RunnerError(.data, "merge: \(input) is not one of \(inputs.count) shards (its shard: \(manifest.shard.map(\.description) ?? "none"))")
            }
            guard seen.insert(shard.index).inserted else {
                throw RunnerError(.data, "merge: two inputs are shard \(shard.index)/\(shard.count)")
            }
            if manifest.status != "complete" {
                throw RunnerError(.data, "merge: \(input) is \(manifest.status), not complete")
            }
        }
        // Rows, in plan order.
        var rows: [(index: Int, row: String)] = [], series: [String] = [], latency: [String] = []
        for input in inputs {
            let folder = URL(fileURLWithPath: input)
            let runs = try CSVFile.read(folder.appendingPathComponent(ResultsFolder.runsFile), expecting: ResultsSchema.runColumns)
            let cell = runs.column("cell")
            for (position, line) in runs.lines.enumerated() { rows.append((Int(runs.rows[position][cell]) ?? 0, line)) }
            let points = try CSVFile.read(folder.appendingPathComponent(ResultsFolder.seriesFile), expecting: ResultsSchema.seriesColumns)
            series += points.lines
            let quantiles = try CSVFile.read(folder.appendingPathComponent(ResultsFolder.latencyFile), expecting: ResultsSchema.latencyColumns)
            latency += quantiles.lines
        }
        rows.sort { $0.index < $1.index }
        let folder = try ResultsFolder(creating: out)
        try folder.append(rows: rows.map(\.row), seriesRows: series, latencyRows: latency)
        var merged = first
        merged.shard = nil
        merged.command = command
        merged.cellsPlanned = manifests.map(\.cellsPlanned).reduce(0, +)
        merged.cellsCompleted = rows.count
        merged.status = rows.count == first.cellsInUnshardedPlan ? "complete" : "incomplete"
        merged.runID = URL(fileURLWithPath: out).lastPathComponent
        try folder.writeManifest(merged)
        return folder.url
    }
}

/// A CSV file read back: the header, the raw lines and their fields.
public struct CSVFile {
    public let header: [String]
    public let lines: [String]
    public let rows: [[String]]

    public func column(_ name: String) -> Int { header.firstIndex(of: name) ?? 0 }

    public static func read(_ url: URL, expecting columns: [String]) throws(RunnerError) -> CSVFile {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw RunnerError(.data, "cannot read \(url.path)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let header = lines.first.map(CSV.parseLine) else {
            throw RunnerError(.data, "\(url.path): unexpected header (expected the columns documented in results/README.md)")
        }
        // A runs.csv from before the last columns existed: read it with those empty.
        let legacy = columns == ResultsSchema.runColumns && header.count >= ResultsSchema.minimumRunColumns
            && header.count < columns.count && Array(columns.prefix(header.count)) == header
        guard header == columns || legacy else {
            throw RunnerError(.data, "\(url.path): unexpected header (expected the columns documented in results/README.md)")
        }
        lines.removeFirst()
        var rows = lines.map(CSV.parseLine)
        if legacy {
            let missing = columns.count - header.count
            rows = rows.map { $0.count == header.count ? $0 + Array(repeating: "", count: missing) : $0 }
            lines = zip(lines, rows).map { line, row in row.count == columns.count ? line + String(repeating: ",", count: missing) : line }
        }
        if let bad = rows.firstIndex(where: { $0.count != columns.count }) {
            throw RunnerError(.data, "\(url.path): line \(bad + 2) has \(rows[bad].count) fields, expected \(columns.count)")
        }
        return CSVFile(header: columns, lines: lines, rows: rows)
    }
}

extension CSV {
    /// One RFC 4180 line (no embedded newlines: ReclaimBench never writes them).
    public static func parseLine(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    // A doubled quote is a literal quote; a single one ends the field's quoting.
                    var lookahead = characters
                    if lookahead.next() == "\"" {
                        field.append("\"")
                        characters = lookahead
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
