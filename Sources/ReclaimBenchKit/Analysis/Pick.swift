import Foundation
import ReclaimBenchSupport
import Reclamation

/// `reclaim-bench pick`: which scheme fits a user's constraints, argued from a results
/// folder. Constraints filter (a capability the run recorded, or a measurement over a
/// budget); measurements rank (throughput at the nearest measured point, then memory, then
/// tail latency); schemes whose intervals overlap are tied, not ranked by noise. Every
/// line carries the measured reason.
public enum Pick {
    public enum MemoryBound: String, Sendable, CaseIterable {
        /// Garbage must stay bounded whatever readers do (a stalled reader included).
        case strict
        /// Memory ranks, but filters nothing.
        case loose
    }

    public struct Constraints: Sendable {
        public var readPercent: Int?
        public var threads: Int?
        public var memoryBound: MemoryBound = .loose
        public var oversubscribed = false
        public var handoff = false
        public var latencyBudgetMicros: Double?

        public init() {}

        /// Bad values are usage errors (64), named with what is allowed.
        public func validate() throws(RunnerError) {
            if let readPercent, !(0...100).contains(readPercent) {
                throw RunnerError(.usage, "pick: --read-percent \(readPercent) is outside 0–100")
            }
            if let threads, threads < 1 { throw RunnerError(.usage, "pick: --threads \(threads) must be at least 1") }
            if let latencyBudgetMicros, !(latencyBudgetMicros > 0) {
                throw RunnerError(.usage, "pick: --latency-budget-us \(ChartValueFormat.plain.string(latencyBudgetMicros)) must be a positive number of microseconds")
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public var rank: Int
        public var scheme: String
        /// The schemes this one is tied with (its tier's others), if any.
        public var tiedWith: [String]
        public var throughput: Spread
        /// Ratio to `none` at the same point, paired by repetition, when `none` ran there.
        public var ratio: RatioAnalysis.Estimate?
        public var reason: String
    }

    public struct Exclusion: Sendable, Equatable {
        public var scheme: String
        public var reason: String
    }

    public struct Outcome: Sendable {
        /// What was asked and where it was answered from.
        public var scenario: String
        public var notes: [String]
        public var ranked: [Entry]
        public var excluded: [Exclusion]
    }

    /// How far from the ask a measured point may be and still answer it.
    public static let threadTolerance = 1.5  // ratio, either way
    public static let readPercentTolerance = 10

    public static func pick(_ results: ResultSet, _ constraints: Constraints) throws(RunnerError) -> Outcome {
        try constraints.validate()
        let point = try scenario(results, constraints)
        var notes = point.notes
        let repetitions = Set(point.rows.map { $0["repetition"] }).count
        if results.manifest.preset != .full {
            notes.append("a \(results.manifest.preset.rawValue) run: a first look, not the reference")
        }
        if repetitions < RatioAnalysis.minimumRepetitions {
            notes.append("\(repetitions) repetition\(repetitions == 1 ? "" : "s") at this point: too few for intervals, so no ties can be called and close ranks mean little")
        }

        let stalled = results.measured.filter { $0["workload"] == "overcommit" && $0["stalled_reader"] == "true" }
        var excluded: [Exclusion] = []
        var candidates: [String] = []
        for scheme in results.schemes {
            if scheme == "none" {
                excluded.append(Exclusion(scheme: scheme, reason: "the baseline: it never frees memory"))
                continue
            }
            let rows = point.rows.filter { $0["scheme"] == scheme }
            guard !rows.isEmpty else {
                let why = results.manifest.skipped.first { $0.hasPrefix(scheme + " ") } ?? "no rows at this point"
                excluded.append(Exclusion(scheme: scheme, reason: "not measured here (\(why))"))
                continue
            }
            let capabilities = results.capabilities(of: scheme) ?? []
            if constraints.handoff && !capabilities.contains("cross-thread-release") {
                excluded.append(Exclusion(scheme: scheme, reason: "--handoff: a protection cannot be released on another thread (no cross-thread-release)"))
                continue
            }
            if constraints.memoryBound == .strict {
                if let leak = leakUnderStall(stalled, scheme) {
                    excluded.append(Exclusion(scheme: scheme, reason: "--memory-bound strict: \(leak)"))
                    continue
                }
                if !capabilities.contains("bounded-garbage") {
                    let measured = stallFigure(stalled, scheme).map { " (bounded under this run's stalled reader: \($0))" } ?? ""
                    excluded.append(Exclusion(scheme: scheme, reason: "--memory-bound strict: the scheme does not guarantee bounded garbage\(measured)"))
                    continue
                }
            }
            if let budget = constraints.latencyBudgetMicros, let p99 = Spread(rows.compactMap { $0.number("latency_p99_ns") })?.median,
               p99 > budget * 1000 {
                excluded.append(Exclusion(scheme: scheme, reason: "--latency-budget-us \(ChartValueFormat.plain.string(budget)): operation p99 \(ChartValueFormat.nanoseconds.string(p99)) is over it"))
                continue
            }
            candidates.append(scheme)
        }

        // Rank by throughput; tie when the intervals overlap.
        let ratios = Dictionary(uniqueKeysWithValues: RatioAnalysis.ratiosToNone(
            RatioAnalysis.Table(rows: point.rows.map { row in Dictionary(uniqueKeysWithValues: ResultsSchema.runColumns.map { ($0, row[$0]) }) }),
            metric: point.metric, where: { _ in true }).map { ($0.scheme, $0) })
        struct Scored { var scheme: String; var throughput: Spread; var interval: ClosedRange<Double>; var memory: Double; var tail: Double }
        var random = SplitMix64(seed: 1)
        let scored: [Scored] = candidates.compactMap { scheme in
            let rows = point.rows.filter { $0["scheme"] == scheme }
            let values = rows.compactMap { $0.number(point.metric) }
            guard let throughput = Spread(values) else { return nil }
            // Prefer the paired ratio's interval (the repetitions share their noise with none).
            let interval: ClosedRange<Double>
            if let ratio = ratios[scheme], let none = Spread(point.rows.filter { $0["scheme"] == "none" }.compactMap { $0.number(point.metric) }) {
                interval = (ratio.low * none.median)...(ratio.high * none.median)
            } else {
                let (low, high) = RatioAnalysis.bootstrapMedianInterval(values, resamples: 2000, random: &random)
                interval = low...high
            }
            return Scored(scheme: scheme, throughput: throughput, interval: interval,
                          memory: Spread(rows.compactMap { $0.number("allocated_peak_bytes") })?.median ?? .infinity,
                          tail: Spread(rows.compactMap { $0.number("latency_p99_ns") })?.median ?? .infinity)
        }.sorted { $0.throughput.median > $1.throughput.median }
        var tiers: [[Scored]] = []
        let separable = repetitions >= RatioAnalysis.minimumRepetitions
        for entry in scored {
            if separable, let leader = tiers.last?.first, leader.interval.overlaps(entry.interval) {
                tiers[tiers.count - 1].append(entry)
            } else {
                tiers.append([entry])
            }
        }
        var ranked: [Entry] = []
        for tier in tiers {
            let rank = ranked.count + 1
            // Within a tie: less memory first, then the shorter tail — each only where the
            // two differ by more than `separation` (closer is noise too) — then throughput.
            let ordered = tier.sorted { a, b in
                if let order = clearlyLess(a.memory, b.memory) { return order }
                if let order = clearlyLess(a.tail, b.tail) { return order }
                return a.throughput.median > b.throughput.median
            }
            for entry in ordered {
                let tiedWith = ordered.map(\.scheme).filter { $0 != entry.scheme }
                ranked.append(Entry(
                    rank: rank, scheme: entry.scheme, tiedWith: tiedWith, throughput: entry.throughput, ratio: ratios[entry.scheme],
                    reason: reason(entry.scheme, point: point, ratio: ratios[entry.scheme], throughput: entry.throughput,
                                   memory: entry.memory, tail: entry.tail, tiedWith: tiedWith, stalled: stalled)))
            }
        }
        if ranked.isEmpty { notes.append("no scheme meets every constraint") }
        return Outcome(scenario: point.title, notes: notes, ranked: ranked, excluded: excluded)
    }

    /// Memory and tail figures closer than this ratio do not order a tie.
    public static let separation = 1.25

    /// true / false when one figure is clearly below / above the other, nil when close.
    static func clearlyLess(_ a: Double, _ b: Double) -> Bool? {
        guard a.isFinite, b.isFinite, a > 0, b > 0 else { return nil }
        if a * separation < b { return true }
        if b * separation < a { return false }
        return nil
    }

    struct Point {
        var title: String
        var short: String
        var rows: [ResultRow]
        var metric: String
        var unit: String
        var notes: [String]
    }

    static func threadCount(_ count: Int) -> String { count == 1 ? "1 thread" : "\(count) threads" }

    static func nearest(_ asked: Int, in measured: [Int]) -> Int? {
        measured.min { abs(log2(Double($0) / Double(asked))) < abs(log2(Double($1) / Double(asked))) }
    }

    static func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ", ") }

    /// The measured point that answers the constraints, or a data error saying why none does.
    static func scenario(_ results: ResultSet, _ constraints: Constraints) throws(RunnerError) -> Point {
        let folder = results.folder.lastPathComponent
        var notes: [String] = []
        if constraints.oversubscribed {
            let rows = results.measured.filter { $0["workload"] == "overcommit" && $0["stalled_reader"] == "false" }
            let factors = Set(rows.compactMap { $0.integer("overcommit_factor") }).sorted()
            let oversubscribed = factors.filter { $0 >= 2 }
            guard !oversubscribed.isEmpty else {
                throw RunnerError(.data, "pick: \(folder) has no overcommit rows at 2× CPUs or more (measured factors: \(factors.isEmpty ? "none" : list(factors))); run the overcommit workload")
            }
            let askedFactor = constraints.threads.map { max(1, Int((Double($0) / Double(results.cpus)).rounded())) } ?? oversubscribed[0]
            guard let factor = nearest(askedFactor, in: oversubscribed),
                  abs(log2(Double(factor) / Double(askedFactor))) <= log2(threadTolerance) else {
                throw RunnerError(.data, "pick: no overcommit rows near \(constraints.threads.map { "\($0) threads" } ?? "") (\(askedFactor)× the \(results.cpus) CPUs of \(folder)); measured: \(list(oversubscribed.map { $0 * results.cpus })) threads")
            }
            if constraints.readPercent != nil {
                notes.append("--read-percent does not apply under --oversubscribed: the overcommit workload is slot-table readers beside one writer")
            }
            let chosen = rows.filter { $0.integer("overcommit_factor") == factor }
            let sleep = "readers sleep \(chosen[0]["sleep_us"]) µs in a guard every \(chosen[0]["sleep_every"]) reads"
            return Point(title: "oversubscribed: \(factor)× CPUs (\(factor * results.cpus) readers on \(results.cpus) CPUs) + a writer at full speed; \(sleep)",
                         short: "\(factor)× CPUs", rows: chosen, metric: "reads_per_s", unit: "reads/s", notes: notes)
        }
        let rows = results.measured.filter { $0["workload"] == "read-mostly" && $0["structure"] == "hash-map" }
        guard !rows.isEmpty else {
            throw RunnerError(.data, "pick: \(folder) has no read-mostly hash-map rows (run the read-mostly workload on hash-map)")
        }
        let percents = Set(rows.compactMap { $0.integer("read_percent") }).sorted()
        let askedPercent = constraints.readPercent ?? 99
        guard let percent = percents.min(by: { abs($0 - askedPercent) < abs($1 - askedPercent) }),
              abs(percent - askedPercent) <= readPercentTolerance else {
            throw RunnerError(.data, "pick: no read-mostly rows near \(askedPercent) % reads in \(folder) (measured: \(list(percents)) %)")
        }
        let atPercent = rows.filter { $0.integer("read_percent") == percent }
        let threads = Set(atPercent.compactMap { $0.integer("threads") }).sorted()
        // Unasked, the machine's own parallelism: the largest measured count not above its CPUs.
        let askedThreads = constraints.threads ?? threads.filter { $0 <= results.cpus }.max() ?? threads.min() ?? 1
        guard let chosenThreads = nearest(askedThreads, in: threads),
              abs(log2(Double(chosenThreads) / Double(askedThreads))) <= log2(threadTolerance) else {
            throw RunnerError(.data, "pick: no rows near \(askedThreads) threads in \(folder) (measured: \(list(threads)) threads at \(percent) % reads); run with --threads \(askedThreads)")
        }
        if chosenThreads != askedThreads { notes.append("asked \(askedThreads) threads; nearest measured: \(chosenThreads)") }
        if percent != askedPercent { notes.append("asked \(askedPercent) % reads; nearest measured: \(percent) %") }
        if askedThreads > results.cpus {
            notes.append("\(askedThreads) threads on \(results.cpus) CPUs is oversubscribed: --oversubscribed answers from the overcommit workload")
        }
        return Point(title: "read-mostly hash map, \(percent) % lookups, \(threadCount(chosenThreads)) (\(results.cpus) CPUs)",
                     short: "\(threadCount(chosenThreads)), \(percent) % reads",
                     rows: atPercent.filter { $0.integer("threads") == chosenThreads },
                     metric: "ops_per_s", unit: "ops/s", notes: notes)
    }

    /// "unbounded under a stalled reader: 511 MB peak (leaking in 5 of 5 repetitions)", or
    /// nil when the scheme stayed bounded (or the run has no stalled-reader cells).
    static func leakUnderStall(_ stalled: [ResultRow], _ scheme: String) -> String? {
        let rows = stalled.filter { $0["scheme"] == scheme }
        let leaking = rows.filter { $0["memory_verdict"] == "leaking" }
        guard !leaking.isEmpty, let peak = Spread(rows.compactMap { $0.number("allocated_peak_bytes") }) else { return nil }
        return "unbounded under a stalled reader: \(ChartValueFormat.bytes.string(peak.median)) peak (leaking in \(leaking.count) of \(rows.count) repetitions)"
    }

    static func stallFigure(_ stalled: [ResultRow], _ scheme: String) -> String? {
        let rows = stalled.filter { $0["scheme"] == scheme }
        guard let peak = Spread(rows.compactMap { $0.number("allocated_peak_bytes") }) else { return nil }
        return "\(ChartValueFormat.bytes.string(peak.median)) peak"
    }

    static func reason(
        _ scheme: String, point: Point, ratio: RatioAnalysis.Estimate?, throughput: Spread, memory: Double, tail: Double,
        tiedWith: [String], stalled: [ResultRow]
    ) -> String {
        var parts: [String] = []
        let speed = "\(ChartValueFormat.count.string(throughput.median)) \(point.unit)"
        if let ratio {
            parts.append(String(format: "%.2f× none [%.2f–%.2f] at %@ (%@)", ratio.median, ratio.low, ratio.high, point.short, speed))
        } else {
            parts.append("\(speed) at \(point.short)")
        }
        if !tiedWith.isEmpty {
            parts.append("tied with \(tiedWith.joined(separator: ", "))")
        }
        if memory.isFinite { parts.append("\(ChartValueFormat.bytes.string(memory)) peak allocated") }
        if tail.isFinite { parts.append("operation p99 \(ChartValueFormat.nanoseconds.string(tail))") }
        if let leak = leakUnderStall(stalled, scheme) {
            parts.append(leak)
        } else if let figure = stallFigure(stalled, scheme) {
            parts.append("bounded under a stalled reader: \(figure)")
        }
        return parts.joined(separator: "; ")
    }

    /// The answer as text, one line per scheme.
    public static func render(_ outcome: Outcome, folder: String) -> String {
        var text = "pick for \(outcome.scenario) — from \(folder)\n"
        for note in outcome.notes { text += "note: \(note)\n" }
        let width = (outcome.ranked.map(\.scheme) + outcome.excluded.map(\.scheme)).map(\.count).max() ?? 4
        func pad(_ scheme: String) -> String { scheme + String(repeating: " ", count: max(0, width - scheme.count)) }
        for entry in outcome.ranked {
            let rank = "\(entry.rank)" + (entry.tiedWith.isEmpty ? "." : "=")
            text += "\(rank.padding(toLength: 5, withPad: " ", startingAt: 0))\(pad(entry.scheme))  \(entry.reason)\n"
        }
        if outcome.ranked.contains(where: { !$0.tiedWith.isEmpty }) {
            text += "     (= tied: the 95 % intervals of throughput overlap; a tie lists less memory first, then the shorter operation p99, where they differ by more than \(ChartValueFormat.ratio.string(separation)), else the higher median)\n"
        }
        if !outcome.excluded.isEmpty {
            text += "excluded:\n"
            for exclusion in outcome.excluded { text += "     \(pad(exclusion.scheme))  \(exclusion.reason)\n" }
        }
        return text
    }
}
