import Foundation

/// One colour and one marker per scheme, the same in every chart of every run. Colours
/// from Okabe and Ito's palette for colour-blind readers, then Tol's; the marker tells
/// schemes apart in grey print too. A C library takes its Swift peer's colour with a
/// circle marker and a dashed line, so that each pair reads as one. A scheme this table
/// does not know gets a style from a hash of its id: stable across charts and runs, never
/// shared with a listed scheme.
public struct SchemeStyle: Sendable, Equatable {
    public enum Marker: String, Sendable, CaseIterable {
        case circle, square, triangle, diamond, triangleDown, cross, plus, star, hexagon
    }

    public let colour: String
    public let marker: Marker
    /// Dashed lines for baselines.
    public let dashed: Bool

    static let listed: [String: SchemeStyle] = [
        "none": SchemeStyle(colour: "#000000", marker: .circle, dashed: true),
        "hp": SchemeStyle(colour: "#0072B2", marker: .square, dashed: false),
        "ebr": SchemeStyle(colour: "#E69F00", marker: .triangle, dashed: false),
        "qsbr": SchemeStyle(colour: "#009E73", marker: .diamond, dashed: false),
        "rcu": SchemeStyle(colour: "#CC79A7", marker: .triangleDown, dashed: false),
        "rc": SchemeStyle(colour: "#D55E00", marker: .cross, dashed: false),
        "arc": SchemeStyle(colour: "#56B4E9", marker: .plus, dashed: false),
        "hp-percpu": SchemeStyle(colour: "#332288", marker: .star, dashed: false),
        "hp-asym": SchemeStyle(colour: "#882255", marker: .hexagon, dashed: false),
        // The C libraries: their Swift peer's colour, another marker, dashed.
        "ck-epoch": SchemeStyle(colour: "#E69F00", marker: .circle, dashed: true),
        "urcu-qsbr": SchemeStyle(colour: "#009E73", marker: .circle, dashed: true),
        "urcu-memb": SchemeStyle(colour: "#CC79A7", marker: .circle, dashed: true),
        "ck-hp": SchemeStyle(colour: "#0072B2", marker: .circle, dashed: true),
    ]

    static let fallbackColours = ["#44AA99", "#999933", "#AA4499", "#117733", "#661100", "#6699CC", "#888888"]

    public static func of(_ scheme: String) -> SchemeStyle {
        if let style = listed[scheme] { return style }
        // FNV-1a: Swift's Hasher is seeded per process, and a style must not change between runs.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in scheme.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let markers = Marker.allCases
        return SchemeStyle(colour: fallbackColours[Int(hash % UInt64(fallbackColours.count))],
                           marker: markers[Int((hash >> 32) % UInt64(markers.count))], dashed: false)
    }

    /// The marker's shape centred at (x, y).
    func markerElement(x: Double, y: Double, size: Double = 4) -> SVGElement {
        let f = SVGNumber.format
        let stroke: [(String, String)] = [("stroke", colour), ("stroke-width", "1.5")]
        let filled: [(String, String)] = [("fill", colour)] + stroke
        func polygon(_ points: [(Double, Double)]) -> SVGElement {
            SVGElement("polygon", [("points", points.map { "\(f(x + $0.0 * size)),\(f(y + $0.1 * size))" }.joined(separator: " "))] + filled)
        }
        switch marker {
        case .circle:
            return SVGElement("circle", [("cx", f(x)), ("cy", f(y)), ("r", f(size)), ("fill", "#fff")] + stroke)
        case .square:
            return SVGElement("rect", [("x", f(x - size)), ("y", f(y - size)), ("width", f(2 * size)), ("height", f(2 * size))] + filled)
        case .triangle: return polygon([(0, -1.2), (1.1, 0.9), (-1.1, 0.9)])
        case .triangleDown: return polygon([(0, 1.2), (1.1, -0.9), (-1.1, -0.9)])
        case .diamond: return polygon([(0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)])
        case .hexagon: return polygon([(1, 0), (0.5, 0.87), (-0.5, 0.87), (-1, 0), (-0.5, -0.87), (0.5, -0.87)])
        case .star:
            let points = (0..<10).map { index -> (Double, Double) in
                let radius = index % 2 == 0 ? 1.3 : 0.55, angle = Double(index) * .pi / 5 - .pi / 2
                return (radius * cos(angle), radius * sin(angle))
            }
            return polygon(points)
        case .cross, .plus:
            let d = size * 1.1
            let lines: [(Double, Double, Double, Double)] = marker == .cross
                ? [(-d, -d, d, d), (-d, d, d, -d)] : [(-d * 1.2, 0, d * 1.2, 0), (0, -d * 1.2, 0, d * 1.2)]
            return .group([], lines.map { a in
                SVGElement("line", [("x1", f(x + a.0)), ("y1", f(y + a.1)), ("x2", f(x + a.2)), ("y2", f(y + a.3)),
                                    ("stroke", colour), ("stroke-width", "2")])
            })
        }
    }
}
