import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ReclaimBenchKit
import Testing
import TestSupport

/// What an SVG holds, read back with a real XML parser: the series (by scheme), their
/// colours, every text.
final class SVGReader: NSObject, XMLParserDelegate {
    var seriesColours: [String: String] = [:]
    var legend: [String] = []
    var texts: [String] = []
    var root: String?
    private var text = ""
    private var currentSeries: String?

    static func read(_ data: Data) throws -> SVGReader {
        let reader = SVGReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse() else {
            throw ParseFailure(description: parser.parserError.map { "\($0)" } ?? "unknown XML error")
        }
        return reader
    }

    struct ParseFailure: Error, CustomStringConvertible { let description: String }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        if name == "g", attributes["class"] == "series", let scheme = attributes["data-scheme"] { currentSeries = scheme }
        // The colour is what the line is drawn in, not what a label claims.
        if name == "polyline", attributes["class"] == "line", let scheme = currentSeries { seriesColours[scheme] = attributes["stroke"] }
        if name == "g", attributes["class"] == "legend-entry", let scheme = attributes["data-scheme"] { legend.append(scheme) }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(text) }
        text = ""
    }
}

@Suite(.watchdog, .serialized)
struct ChartTests {
    func charts(_ folder: String) throws -> [String: SVGReader] {
        let directory = URL(fileURLWithPath: folder).appendingPathComponent("charts")
        var readers: [String: SVGReader] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".svg") {
            readers[file] = try SVGReader.read(Data(contentsOf: directory.appendingPathComponent(file)))
        }
        return readers
    }

    @Test("run leaves charts and report.html; every SVG parses, with the expected series and axis titles")
    func chartsFromFixture() throws {
        let folder = try ResultsFixture.write("charts")
        let charts = try charts(folder)
        #expect(FileManager.default.fileExists(atPath: folder + "/report.html"))
        // The five kinds the issue names, each present.
        for prefix in ["throughput-hash-map-99pct", "unreclaimed-", "allocated-", "memory-time-", "retire-free-cdf-", "overcommit-throughput", "overcommit-memory"] {
            #expect(charts.keys.contains { $0.hasPrefix(prefix) }, "no chart \(prefix)…")
        }
        for (file, chart) in charts {
            #expect(chart.root == "svg", "\(file)")
            #expect(Set(chart.seriesColours.keys) == Set(chart.legend), "\(file): legend and series differ")
            #expect(!chart.seriesColours.isEmpty, "\(file) has no series")
            #expect(chart.texts.contains { $0.contains("full preset") }, "\(file) does not say its preset")
        }
        let throughput = try #require(charts["throughput-hash-map-99pct.svg"])
        #expect(Set(throughput.seriesColours.keys) == Set(ResultsFixture.schemes))
        #expect(throughput.texts.contains("threads (log₂ scale)"))
        #expect(throughput.texts.contains("throughput (operations/s)"))
        #expect(throughput.texts.contains { $0.hasPrefix("more threads than CPUs") })
        let cdf = try #require(charts.first { $0.key.hasPrefix("retire-free-cdf-michael-scott-queue") }?.value)
        #expect(cdf.texts.contains("retire → free (log scale)") && cdf.texts.contains("fraction of freed nodes"))
        let overcommit = try #require(charts["overcommit-throughput.svg"])
        #expect(overcommit.texts.contains("oversubscribed"))
    }

    @Test("a scheme has one colour in every chart, and no two schemes share one")
    func coloursAreFixed() throws {
        let folder = try ResultsFixture.write("colours")
        var colours: [String: Set<String>] = [:]
        for chart in try charts(folder).values {
            for (scheme, colour) in chart.seriesColours { colours[scheme, default: []].insert(colour) }
        }
        #expect(Set(colours.keys) == Set(ResultsFixture.schemes))
        for (scheme, seen) in colours { #expect(seen.count == 1, "\(scheme) drawn in \(seen.sorted())") }
        let all = colours.values.compactMap(\.first)
        #expect(Set(all).count == all.count, "two schemes share a colour")
        // A scheme this build has never heard of still gets one stable style.
        #expect(SchemeStyle.of("my-new-scheme") == SchemeStyle.of("my-new-scheme"))
    }

    @Test("strings from the CSV and the manifest are escaped: no markup or script gets into the page or the charts")
    func escapesForeignStrings() throws {
        let folder = try ResultsFixture.write("escape-<img src=x onerror=alert(1)>", workloads: "read-mostly")
        // Someone else's results: a scheme name with markup in runs.csv.
        let runs = URL(fileURLWithPath: folder + "/runs.csv")
        var text = try String(contentsOf: runs, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let hpRow = try #require(lines.first { $0.contains(",hp,") && $0.contains(",hash-map,") })
        let evil = hpRow.replacingOccurrences(of: ",hp,", with: ",<script>alert(2)</script>&amp;,")
        text += evil + "\n"
        try text.write(to: runs, atomically: true, encoding: .utf8)
        _ = try ReportPage.write(try ResultSet(folder: folder), to: URL(fileURLWithPath: folder))
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(!html.contains("<script>") && !html.contains("<img src=x"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"))
        #expect(!html.contains("http://") && !html.contains("https://"), "the report must fetch nothing")
        for (file, chart) in try charts(folder) {
            #expect(!chart.seriesColours.isEmpty, "\(file)")
            let raw = try String(contentsOfFile: folder + "/charts/" + file, encoding: .utf8)
            #expect(!raw.contains("<script>"), "\(file)")
        }
        #expect(try charts(folder).values.contains { $0.legend.contains("<script>alert(2)</script>&amp;") },
                "a chart's parsed legend gives the name back as written")
    }

    @Test("a quick run is labelled as such, never as the reference")
    func quickIsLabelled() throws {
        let folder = try ResultsFixture.write("quick-label", preset: "quick", workloads: "read-mostly")
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(html.contains("quick preset — a first look, not the reference"))
        #expect(!html.contains("full preset (reference)"))
        for (file, chart) in try charts(folder) {
            #expect(chart.texts.contains { $0.contains("quick preset") }, "\(file)")
        }
    }

    @Test("scales: nice linear ticks, decades on a log axis, powers of two for threads")
    func scales() {
        let linear = ChartScale(kind: .linear(includeZero: true), covering: [3, 97], pixels: 0, 100)
        #expect(linear.ticks == [0, 20, 40, 60, 80, 100])
        #expect(linear.position(50) == 50)
        let log = ChartScale(kind: .log(floor: 1), covering: [30, 2_000], pixels: 0, 300)
        #expect(log.ticks == [10, 100, 1_000, 10_000])
        #expect(abs(log.position(100) - 100) < 1e-9)
        let threads = ChartScale(kind: .log2, covering: [1, 2, 4], pixels: 0, 200)
        #expect(threads.ticks == [1, 2, 4] && threads.position(2) == 100)
        #expect(ChartValueFormat.bytes.string(2_500_000) == "2.5 MB")
        #expect(ChartValueFormat.nanoseconds.string(1_500) == "1.5 µs")
        #expect(ChartValueFormat.count.string(96_100_000) == "96.1M")
    }

    @Test("chart on a folder that is not there, or not a results folder: one clear error (66, 65)")
    func badFolders() throws {
        do {
            _ = try ResultSet(folder: scratchFolder("nothing-here"))
            Issue.record("read a folder that does not exist")
        } catch { #expect(error.code == .noInput, "\(error)") }
        let folder = scratchFolder("not-results")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{}".write(toFile: folder + "/manifest.json", atomically: true, encoding: .utf8)
        do {
            _ = try ResultSet(folder: folder)
            Issue.record("read a folder with a broken manifest")
        } catch { #expect(error.code == .data && error.message.contains("manifest"), "\(error)") }
    }
}
