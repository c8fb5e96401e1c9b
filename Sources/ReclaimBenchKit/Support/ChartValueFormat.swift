import Foundation

/// How tick labels read: every axis names its unit in its title, and its ticks are scaled
/// to match (a byte axis says MiB, a time axis µs or ms).
public enum ChartValueFormat: Sendable, Equatable {
    /// 950, 1.5k, 20M, 3G.
    case count
    /// B, kB, MB, GB (decimal, so that a log axis's decades read 1 MB, 10 MB, 100 MB).
    case bytes
    /// ns, µs, ms, s.
    case nanoseconds
    /// 0.85×.
    case ratio
    /// Integers as written (thread counts, factors).
    case plain
    /// Fractions as written (quantiles).
    case fraction

    public func string(_ value: Double) -> String {
        switch self {
        case .count: return Self.scaled(value, units: [(1e9, "G"), (1e6, "M"), (1e3, "k")], base: "")
        case .bytes: return Self.scaled(value, units: [(1e9, " GB"), (1e6, " MB"), (1e3, " kB")], base: " B")
        case .nanoseconds: return Self.scaled(value, units: [(1e9, " s"), (1e6, " ms"), (1e3, " µs")], base: " ns")
        case .ratio: return Self.trim(value) + "×"
        case .plain, .fraction: return Self.trim(value)
        }
    }

    static func scaled(_ value: Double, units: [(Double, String)], base: String) -> String {
        for (size, suffix) in units where abs(value) >= size { return trim(value / size) + suffix }
        return trim(value) + base
    }

    static func trim(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: abs(value) >= 10 ? "%.1f" : "%.3g", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
