/// Percentiles of a set of latency samples, in nanoseconds.
public struct LatencySummary: Sendable, CustomStringConvertible {
    public var count: Int
    public var p50: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    /// The value at each of `ladder`'s fractions (empty when there are no samples).
    public var quantiles: [Double]

    /// Nearest-rank percentiles of `samples` (sorted here), and the values at `ladder`.
    public init(samples: [UInt64], ladder: [Double] = []) {
        let sorted = samples.sorted()
        count = sorted.count
        func rank(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            let index = Swift.min(sorted.count - 1, Swift.max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index])
        }
        quantiles = sorted.isEmpty ? [] : ladder.map(rank)
        p50 = rank(0.50)
        p99 = rank(0.99)
        p999 = rank(0.999)
        max = sorted.last.map { Double($0) } ?? .nan  // not `map(Double.init)`: that can pick init(bitPattern:)
    }

    public var description: String {
        "n=\(count) p50=\(Self.format(p50)) p99=\(Self.format(p99)) p99.9=\(Self.format(p999)) max=\(Self.format(max))"
    }

    /// Nanoseconds as ns, µs or ms.
    public static func format(_ nanoseconds: Double) -> String {
        guard nanoseconds.isFinite else { return "-" }
        if nanoseconds < 10_000 { return "\(Int(nanoseconds)) ns" }
        if nanoseconds < 10_000_000 { return "\((nanoseconds / 100).rounded() / 10) µs" }
        return "\((nanoseconds / 100_000).rounded() / 10) ms"
    }
}
