import Foundation

/// How an axis maps values to pixels and where it puts ticks.
public enum ChartScaleKind: Sendable, Equatable {
    /// Ticks at 1, 2, 5 × 10ⁿ; the domain is widened to the nearest ticks.
    case linear(includeZero: Bool)
    /// Ticks at powers of ten; the domain is widened to whole decades. Values ≤ 0 are
    /// clamped to `floor` (a log axis cannot show them).
    case log(floor: Double)
    /// Ticks at powers of two (thread counts, overcommit factors: 1, 2, 4, 8 evenly
    /// spaced). Values below 1 are clamped to 1.
    case log2
}

/// A value axis: domain → pixel range, with ticks.
public struct ChartScale: Sendable {
    public let kind: ChartScaleKind
    public let lower: Double
    public let upper: Double
    /// Pixel positions of `lower` and `upper` (y runs downwards, so a y scale has
    /// `start` > `end`).
    public let start: Double
    public let end: Double
    public let ticks: [Double]

    /// A scale that covers `values` (finite ones; an empty set gives 0…1).
    public init(kind: ChartScaleKind, covering values: [Double], pixels start: Double, _ end: Double) {
        self.kind = kind
        self.start = start
        self.end = end
        switch kind {
        case .linear(let includeZero):
            var finite = values.filter(\.isFinite)
            if includeZero { finite.append(0) }
            var low = finite.min() ?? 0, high = finite.max() ?? 1
            if low == high {
                low -= low == 0 ? 0 : abs(low) * 0.1
                high += high == 0 ? 1 : abs(high) * 0.1
            }
            let step = Self.niceStep((high - low) / 5)
            low = (low / step).rounded(.down) * step
            high = (high / step).rounded(.up) * step
            lower = low
            upper = high
            ticks = stride(from: low, through: high + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
        case .log(let floor):
            let positive = values.filter { $0.isFinite }.map { Swift.max($0, floor) }
            let low = positive.min() ?? floor, high = Swift.max(positive.max() ?? floor * 10, low)
            var lowDecade = log10(low).rounded(.down), highDecade = log10(high).rounded(.up)
            if highDecade <= lowDecade { highDecade = lowDecade + 1 }
            // Too many decades crowd the labels: tick every other one past eight.
            let every = highDecade - lowDecade > 8 ? 2.0 : 1.0
            lowDecade = (lowDecade / every).rounded(.down) * every
            lower = pow(10, lowDecade)
            upper = pow(10, highDecade)
            ticks = stride(from: lowDecade, through: highDecade, by: every).map { pow(10, $0) }
        case .log2:
            let positive = values.filter(\.isFinite).map { Swift.max($0, 1) }
            let low = Foundation.log2(positive.min() ?? 1).rounded(.down)
            var high = Foundation.log2(positive.max() ?? 2).rounded(.up)
            if high <= low { high = low + 1 }
            lower = pow(2, low)
            upper = pow(2, high)
            ticks = stride(from: low, through: high, by: 1).map { pow(2, $0) }
        }
    }

    /// The pixel position of `value` (clamped into the domain).
    public func position(_ value: Double) -> Double {
        let fraction: Double
        switch kind {
        case .linear:
            let clamped = Swift.min(Swift.max(value, lower), upper)
            fraction = upper > lower ? (clamped - lower) / (upper - lower) : 0
        case .log(let floor):
            let clamped = Swift.min(Swift.max(Swift.max(value, floor), lower), upper)
            fraction = upper > lower ? (log10(clamped) - log10(lower)) / (log10(upper) - log10(lower)) : 0
        case .log2:
            let clamped = Swift.min(Swift.max(value, lower), upper)
            fraction = upper > lower ? (Foundation.log2(clamped) - Foundation.log2(lower)) / (Foundation.log2(upper) - Foundation.log2(lower)) : 0
        }
        return start + fraction * (end - start)
    }

    /// 1, 2 or 5 × 10ⁿ, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= raw * 0.999 { return factor * magnitude }
        return 10 * magnitude
    }
}
