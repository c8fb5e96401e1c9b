import Foundation

/// A chart of lines with spread: one series per scheme, each point a median with the
/// repetitions' range as a band (in y, or in x for a CDF), titled axes with units, a
/// legend, and shaded x-regions (more threads than CPUs).
public struct LineChart: Sendable {
    public struct Axis: Sendable {
        public var title: String
        public var format: ChartValueFormat
        public var scale: ChartScaleKind

        public init(title: String, format: ChartValueFormat, scale: ChartScaleKind) {
            self.title = title
            self.format = format
            self.scale = scale
        }
    }

    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        /// The repetitions' range around the median, in y (most charts) or in x (a CDF,
        /// whose y is a fixed quantile).
        public var spread: ClosedRange<Double>?
        public var spreadAxis: SpreadAxis

        public enum SpreadAxis: Sendable, Equatable { case y, x }

        public init(x: Double, y: Double, spread: ClosedRange<Double>? = nil, spreadAxis: SpreadAxis = .y) {
            self.x = x
            self.y = y
            self.spread = spread
            self.spreadAxis = spreadAxis
        }
    }

    public struct Series: Sendable {
        /// The scheme whose colour and marker the line takes.
        public var scheme: String
        public var points: [Point]
        /// The legend's text (default: the scheme's id).
        public var label: String?
        /// Dashed or solid, overriding the scheme's style (nil: the style decides).
        public var dashed: Bool?
        public init(scheme: String, points: [Point], label: String? = nil, dashed: Bool? = nil) {
            self.scheme = scheme
            self.points = points
            self.label = label
            self.dashed = dashed
        }

        var legendText: String { label ?? scheme }
        func isDashed(_ style: SchemeStyle) -> Bool { dashed ?? style.dashed }
    }

    public struct Region: Sendable {
        public var from: Double
        public var to: Double?
        public var label: String
        public init(from: Double, to: Double? = nil, label: String) {
            self.from = from
            self.to = to
            self.label = label
        }
    }

    public var title: String
    public var subtitle: String
    public var x: Axis
    public var y: Axis
    public var series: [Series]
    public var shaded: [Region] = []
    /// A horizontal reference line (1× in a ratio chart).
    public var referenceY: Double?
    /// Whether a point's marker is drawn (a CDF has too many points for markers on each).
    public var markers = true
    public var width = 760.0
    public var height = 440.0

    public init(title: String, subtitle: String, x: Axis, y: Axis, series: [Series]) {
        self.title = title
        self.subtitle = subtitle
        self.x = x
        self.y = y
        self.series = series
    }

    // Layout: title block on top, legend on the right.
    static let margin = (left: 78.0, right: 150.0, top: 62.0, bottom: 58.0)

    /// The margins, the right one widened (and the chart with it) for long legend texts.
    var layout: (margin: (left: Double, right: Double, top: Double, bottom: Double), width: Double) {
        var margin = Self.margin
        let longest = series.map { Double($0.legendText.count) }.max() ?? 0
        let needed = 34 + 7 * longest + 8
        if needed > margin.right {
            let extra = needed - margin.right
            margin.right = needed
            return (margin, width + extra)
        }
        return (margin, width)
    }

    public func svg() -> SVGElement {
        let f = SVGNumber.format
        let (m, width) = layout
        let plot = (left: m.left, right: width - m.right, top: m.top, bottom: height - m.bottom)
        var xValues: [Double] = [], yValues: [Double] = []
        for line in series {
            for point in line.points {
                xValues.append(point.x)
                yValues.append(point.y)
                if let spread = point.spread {
                    if point.spreadAxis == .y { yValues += [spread.lowerBound, spread.upperBound] } else { xValues += [spread.lowerBound, spread.upperBound] }
                }
            }
        }
        if let referenceY { yValues.append(referenceY) }
        let xScale = ChartScale(kind: x.scale, covering: xValues, pixels: plot.left, plot.right)
        let yScale = ChartScale(kind: y.scale, covering: yValues, pixels: plot.bottom, plot.top)

        var children: [SVGElement] = [
            SVGElement("title", text: title),
            SVGElement("rect", [("x", "0"), ("y", "0"), ("width", f(width)), ("height", f(height)), ("fill", "#fff")]),
            .label(title, x: m.left, y: 24, size: 15, weight: "bold"),
            .label(subtitle, x: m.left, y: 42, size: 11, fill: "#555"),
        ]
        // Shaded regions under everything else.
        for region in shaded {
            let from = xScale.position(region.from), to = xScale.position(region.to ?? xScale.upper)
            guard to > from + 0.5 else { continue }
            children.append(.group([("class", "shaded")], [
                SVGElement("rect", [("x", f(from)), ("y", f(plot.top)), ("width", f(to - from)),
                                    ("height", f(plot.bottom - plot.top)), ("fill", "#f1e9d6")]),
                .label(region.label, x: to - 4, y: plot.top + 14, anchor: "end", size: 10, fill: "#8a6d2f"),
            ]))
        }
        children.append(axes(xScale: xScale, yScale: yScale, plot: plot))
        if let referenceY {
            let y = yScale.position(referenceY)
            children.append(SVGElement("line", [("x1", f(plot.left)), ("y1", f(y)), ("x2", f(plot.right)), ("y2", f(y)),
                                                ("stroke", "#888"), ("stroke-dasharray", "2 3")]))
        }
        for line in series { children.append(seriesElement(line, xScale: xScale, yScale: yScale)) }
        children.append(legend(left: plot.right + 18, top: plot.top))
        return SVGElement("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("width", f(width)), ("height", f(height)),
            ("viewBox", "0 0 \(f(width)) \(f(height))"), ("font-family", "Helvetica, Arial, sans-serif"),
        ], children: children)
    }

    /// The whole document, with the XML declaration.
    public func document() -> String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg().render() }

    func axes(xScale: ChartScale, yScale: ChartScale, plot: (left: Double, right: Double, top: Double, bottom: Double)) -> SVGElement {
        let f = SVGNumber.format
        var grid: [SVGElement] = [], labels: [SVGElement] = []
        for tick in xScale.ticks {
            let px = xScale.position(tick)
            grid.append(SVGElement("line", [("x1", f(px)), ("y1", f(plot.top)), ("x2", f(px)), ("y2", f(plot.bottom)), ("stroke", "#e4e4e4")]))
            labels.append(.label(x.format.string(tick), x: px, y: plot.bottom + 16, anchor: "middle", size: 11))
        }
        for tick in yScale.ticks {
            let py = yScale.position(tick)
            grid.append(SVGElement("line", [("x1", f(plot.left)), ("y1", f(py)), ("x2", f(plot.right)), ("y2", f(py)), ("stroke", "#e4e4e4")]))
            labels.append(.label(y.format.string(tick), x: plot.left - 6, y: py + 4, anchor: "end", size: 11))
        }
        let frame = SVGElement("rect", [("x", f(plot.left)), ("y", f(plot.top)), ("width", f(plot.right - plot.left)),
                                        ("height", f(plot.bottom - plot.top)), ("fill", "none"), ("stroke", "#444")])
        let xTitle = SVGElement.label(x.title, x: (plot.left + plot.right) / 2, y: plot.bottom + 40, anchor: "middle", size: 12)
        let yTitle = SVGElement.label(y.title, x: 20, y: (plot.top + plot.bottom) / 2, anchor: "middle", size: 12, rotate: -90)
        return .group([("class", "axes")], [
            .group([("class", "grid")], grid), frame, .group([("class", "ticks")], labels),
            .group([("class", "x-axis-title")], [xTitle]), .group([("class", "y-axis-title")], [yTitle]),
        ])
    }

    func seriesElement(_ line: Series, xScale: ChartScale, yScale: ChartScale) -> SVGElement {
        let f = SVGNumber.format
        let style = SchemeStyle.of(line.scheme)
        // A CDF (spread in x) runs along y; everything else along x.
        let alongY = line.points.first?.spreadAxis == .x
        let points = line.points.sorted { alongY ? ($0.y, $0.x) < ($1.y, $1.x) : ($0.x, $0.y) < ($1.x, $1.y) }
        var children: [SVGElement] = []
        // The band: one edge forward, the other back.
        let spread = points.filter { $0.spread != nil }
        if spread.count >= 2 {
            let edges: [(Double, Double)]
            if spread[0].spreadAxis == .y {
                edges = spread.map { ($0.x, $0.spread!.upperBound) } + spread.reversed().map { ($0.x, $0.spread!.lowerBound) }
            } else {
                edges = spread.map { ($0.spread!.lowerBound, $0.y) } + spread.reversed().map { ($0.spread!.upperBound, $0.y) }
            }
            children.append(SVGElement("polygon", [
                ("class", "band"),
                ("points", edges.map { "\(f(xScale.position($0.0))),\(f(yScale.position($0.1)))" }.joined(separator: " ")),
                ("fill", style.colour), ("fill-opacity", "0.15"), ("stroke", "none"),
            ]))
        } else if let only = spread.first, let range = only.spread {
            // A single point: an error bar.
            let (a, b) = only.spreadAxis == .y
                ? ((xScale.position(only.x), yScale.position(range.lowerBound)), (xScale.position(only.x), yScale.position(range.upperBound)))
                : ((xScale.position(range.lowerBound), yScale.position(only.y)), (xScale.position(range.upperBound), yScale.position(only.y)))
            children.append(SVGElement("line", [("class", "band"), ("x1", f(a.0)), ("y1", f(a.1)), ("x2", f(b.0)), ("y2", f(b.1)),
                                                ("stroke", style.colour), ("stroke-width", "1")]))
        }
        var lineAttributes: [(String, String)] = [
            ("class", "line"),
            ("points", points.map { "\(f(xScale.position($0.x))),\(f(yScale.position($0.y)))" }.joined(separator: " ")),
            ("fill", "none"), ("stroke", style.colour), ("stroke-width", "2"),
        ]
        if line.isDashed(style) { lineAttributes.append(("stroke-dasharray", "6 4")) }
        children.append(SVGElement("polyline", lineAttributes))
        if markers || points.count == 1 {
            // At most about a dozen markers a line: they name the scheme, not each point.
            let every = Swift.max(1, points.count / 12)
            children += points.enumerated().filter { $0.offset % every == 0 }
                .map { style.markerElement(x: xScale.position($0.element.x), y: yScale.position($0.element.y)) }
        }
        return .group([("class", "series"), ("data-scheme", line.scheme), ("data-colour", style.colour)], children)
    }

    func legend(left: Double, top: Double) -> SVGElement {
        let f = SVGNumber.format
        var rows: [SVGElement] = []
        for (index, line) in series.enumerated() {
            let style = SchemeStyle.of(line.scheme)
            let y = top + 8 + Double(index) * 20
            var stroke: [(String, String)] = [("x1", f(left)), ("y1", f(y)), ("x2", f(left + 26)), ("y2", f(y)),
                                              ("stroke", style.colour), ("stroke-width", "2")]
            if line.isDashed(style) { stroke.append(("stroke-dasharray", "6 4")) }
            rows.append(.group([("class", "legend-entry"), ("data-scheme", line.scheme)], [
                SVGElement("line", stroke), style.markerElement(x: left + 13, y: y),
                .label(line.legendText, x: left + 34, y: y + 4, size: 12),
            ]))
        }
        return .group([("class", "legend")], rows)
    }
}
