/// A small SVG tree: elements, escaped attributes, escaped text. Charts are built as trees
/// and rendered once, so no string taken from a CSV or manifest reaches the output
/// unescaped (a results folder from someone else must not inject markup).
public struct SVGElement: Sendable {
    public var name: String
    public var attributes: [(String, String)]
    public var children: [SVGElement]
    public var text: String?

    public init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [SVGElement] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// A `<g>` grouping `children`.
    public static func group(_ attributes: [(String, String)] = [], _ children: [SVGElement]) -> SVGElement {
        SVGElement("g", attributes, children: children)
    }

    /// `<text>` at (x, y).
    public static func label(
        _ string: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
        weight: String? = nil, rotate: Double? = nil, fill: String = "#222"
    ) -> SVGElement {
        var attributes = [("x", SVGNumber.format(x)), ("y", SVGNumber.format(y)), ("text-anchor", anchor),
                          ("font-size", SVGNumber.format(size)), ("fill", fill)]
        if let weight { attributes.append(("font-weight", weight)) }
        if let rotate {
            attributes.append(("transform", "rotate(\(SVGNumber.format(rotate)) \(SVGNumber.format(x)) \(SVGNumber.format(y)))"))
        }
        return SVGElement("text", attributes, text: string)
    }

    public func render() -> String {
        var output = ""
        render(into: &output, depth: 0)
        return output
    }

    func render(into output: inout String, depth: Int) {
        output += String(repeating: "  ", count: depth) + "<" + name
        for (key, value) in attributes { output += " \(key)=\"\(XMLEscaping.attribute(value))\"" }
        if children.isEmpty && text == nil {
            output += "/>\n"
            return
        }
        output += ">"
        if let text { output += XMLEscaping.text(text) }
        if !children.isEmpty {
            output += "\n"
            for child in children { child.render(into: &output, depth: depth + 1) }
            output += String(repeating: "  ", count: depth)
        }
        output += "</\(name)>\n"
    }
}

/// Escaping for XML and HTML text and attribute values. Characters XML 1.0 forbids
/// (C0 controls other than tab, newline and carriage return) are dropped.
public enum XMLEscaping {
    public static func text(_ string: String) -> String { escape(string, quotes: false) }
    public static func attribute(_ string: String) -> String { escape(string, quotes: true) }

    static func escape(_ string: String, quotes: Bool) -> String {
        var output = ""
        output.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"" where quotes: output += "&quot;"
            case "'" where quotes: output += "&#39;"
            case "\t", "\n", "\r": output.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}

/// Coordinates with at most two decimals: compact files, stable output.
enum SVGNumber {
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
