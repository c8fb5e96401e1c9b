import Foundation

/// report.html: the manifest, a generated summary per workload, every chart and the
/// schemes' capabilities, in one page that works offline from the file system. It
/// fetches nothing, runs no script (its Content-Security-Policy forbids both), and escapes
/// every string it takes from a CSV or manifest.
public enum ReportPage {
    public static let file = "report.html"

    /// Draws the charts into `charts/` and writes report.html beside them; returns its URL.
    @discardableResult
    public static func write(_ results: ResultSet, to folder: URL) throws(RunnerError) -> URL {
        let figures = try ChartCatalog.write(results, to: folder)
        let url = folder.appendingPathComponent(file)
        try ResultsFolder.replace(url, with: Data(html(results, figures: figures).utf8))
        return url
    }

    static func escape(_ string: String) -> String { XMLEscaping.attribute(string) }

    static func table(_ header: [String], _ rows: [[String]], classes: String = "") -> String {
        var html = "<table\(classes.isEmpty ? "" : " class=\"\(classes)\"")>\n<thead><tr>"
        html += header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return html + "</tbody></table>\n"
    }

    static let style = """
        body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1240px; color: #222; padding: 0 1em; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
        th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; }
        table.manifest td:first-child { font-weight: bold; white-space: nowrap; }
        .banner { padding: 0.8em 1em; border-radius: 4px; margin: 1em 0; }
        .banner.reference { background: #e8f4ea; border: 1px solid #9c9; }
        .banner.quick { background: #fff4d6; border: 1px solid #e0b84c; }
        .banner.incomplete { background: #fde8e8; border: 1px solid #d99; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 1.2em; }
        figure { margin: 0; }
        figure img { width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { font-size: 0.85em; color: #444; }
        code { background: #f4f4f4; padding: 0 0.2em; }
        """

    public static func html(_ results: ResultSet, figures: [ChartFigure]) -> String {
        let manifest = results.manifest
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>ReclaimBench — \(escape(manifest.runID))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <h1>ReclaimBench — \(escape(manifest.runID))</h1>

            """
        if manifest.preset == .calibration {
            let repetitions = Set(results.runs.map { $0["repetition"] }).count
            html += "<p class=\"banner reference\"><strong>Calibration preset.</strong> Each Swift scheme beside its C library, and each C library in the Swift cells and in the standalone C harness; \(repetitions) repetitions, \(manifest.cellsCompleted) cells in all, each in its own process; made by <code>\(escape(manifest.command.joined(separator: " ")))</code>. <code>reclaim-bench summarize</code> gives the ratios.</p>\n"
        } else if manifest.preset == .full {
            let repetitions = Set(results.runs.map { $0["repetition"] }).count
            html += "<p class=\"banner reference\"><strong>Full preset (reference settings).</strong> \(repetitions) repetitions, \(manifest.cellsCompleted) cells in all, each in its own process; made by <code>\(escape(manifest.command.joined(separator: " ")))</code>.</p>\n"
        } else {
            html += "<p class=\"banner quick\"><strong>\(escape(results.presetLabel)).</strong> Short windows and one repetition: use it to see that everything runs, not to choose a scheme. The committed reference runs are full-preset runs.</p>\n"
        }
        if manifest.status != "complete" {
            html += "<p class=\"banner incomplete\"><strong>This run is \(escape(manifest.status))</strong>: \(manifest.cellsCompleted) of \(manifest.cellsPlanned) cells finished\(manifest.interruption.map { " (\(escape($0)))" } ?? "").</p>\n"
        }

        html += "<h2>Summary</h2>\n"
        html += "<p>Medians over repetitions, at the largest measured thread count not above the machine's \(results.cpus) CPUs. <code>none</code> never frees; it is the baseline, not a candidate. <code>reclaim-bench pick \(escape(results.folder.lastPathComponent))</code> ranks the schemes for your constraints.</p>\n"
        let summary = WorkloadSummary.lines(results)
        html += table(["scenario", "fastest", "most memory-frugal", "largest tail"],
                      summary.map { [$0.scenario, $0.fastest, $0.frugal, $0.tail] })

        var sections: [String] = []
        for figure in figures where !sections.contains(figure.section) { sections.append(figure.section) }
        for section in sections {
            html += "<h2>\(escape(section))</h2>\n<div class=\"figures\">\n"
            for figure in figures where figure.section == section {
                html += "<figure><img src=\"charts/\(escape(figure.file))\" alt=\"\(escape(figure.chart.title))\" width=\"\(Int(figure.chart.width))\" height=\"\(Int(figure.chart.height))\">\n"
                html += "<figcaption>\(escape(figure.caption))</figcaption></figure>\n"
            }
            html += "</div>\n"
        }
        if figures.isEmpty { html += "<p>No chart: the results hold no rows the charts draw.</p>\n" }

        html += "<h2>Schemes</h2>\n"
        html += table(["scheme", "family", "implementation", "capabilities", "helper threads", "reference"],
                      manifest.schemes.map { [$0.id, $0.family, $0.implementation ?? "Swift", $0.capabilities,
                                              String($0.helperThreads), $0.reference] })
        if !manifest.nodeBytes.isEmpty {
            html += "<p>Bytes per node as asked of the allocator, the size class jemalloc hands out, and bytes outside the node per link:</p>\n"
            html += table(["scheme", "structure", "request", "size class", "per link"],
                          manifest.nodeBytes.map { [$0.scheme, $0.structure, "\($0.requestBytes) B", "\($0.sizeClassBytes) B", "\($0.perLinkBytes) B"] })
        }
        if !manifest.skipped.isEmpty {
            html += "<p>Combinations that could not run:</p>\n<ul>\n" + manifest.skipped.map { "<li>\(escape($0))</li>\n" }.joined() + "</ul>\n"
        }

        html += "<h2>How this run was made</h2>\n"
        html += table(["", ""], manifestRows(manifest), classes: "manifest")
        html += "<p>Columns of the CSV files: <code>results/README.md</code>. Charts are drawn only from <code>runs.csv</code>, <code>series.csv</code>, <code>latency.csv</code> and <code>manifest.json</code> in this folder.</p>\n"
        html += "</body>\n</html>\n"
        return html
    }

    static func manifestRows(_ manifest: Manifest) -> [[String]] {
        [
            ["run", manifest.runID], ["status", manifest.status], ["preset", manifest.label],
            ["command", manifest.command.joined(separator: " ")],
            ["commit", manifest.gitCommit + (manifest.gitDirty ? " (uncommitted changes)" : "")],
            ["swift", manifest.swiftVersion], ["build", manifest.build], ["cpu", manifest.cpuModel],
            ["cpus", "\(manifest.cpusOnline) online, \(manifest.cpusConfigured) configured"], ["kernel", manifest.kernel],
            ["allocator", manifest.allocator], ["MALLOC_CONF", manifest.mallocConf],
            ["scheme parameters", manifest.schemeParameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")],
            ["sampler", "pending every \(ChartValueFormat.plain.string(manifest.samplerPendingPeriodMilliseconds)) ms, memory every \(ChartValueFormat.plain.string(manifest.samplerMemoryPeriodMilliseconds)) ms"],
            ["cells", "\(manifest.cellsCompleted) of \(manifest.cellsPlanned) planned" + (manifest.shard.map { ", shard \($0)" } ?? "")],
            ["started", manifest.started], ["finished", manifest.finished ?? "–"],
        ]
    }
}
