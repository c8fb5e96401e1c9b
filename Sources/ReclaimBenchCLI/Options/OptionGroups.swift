import ArgumentParser
import Reclamation
import ReclaimBenchKit

// Every option two commands share is declared once, here, as an option group; a command
// includes the groups it takes (`@OptionGroup var schemes: SchemeSelection`) and reads
// them through their methods, which check the value and name what is allowed. Values
// that may be negative or malformed are parsed `.unconditional`, so that `--duration -1`
// is refused with the allowed range instead of "Missing value".

/// `--schemes`: comma-separated ids of registered schemes; nil means every one.
struct SchemeSelection: ParsableArguments {
    @Option(help: "Comma-separated scheme ids (default: every registered scheme the command can run; `list` shows them).")
    var schemes: String?

    func validate() throws { _ = try ids() }

    /// The schemes named, or every registered one.
    func ids() throws -> [SchemeID] { try parseSchemes(schemes) }
}

/// A results folder, as the positional argument of the commands that read one.
struct ResultsFolderArgument: ParsableArguments {
    @Argument(help: "A results folder.")
    var folder: String
}

/// `--read-percent`: lookups among all operations, in percent.
struct ReadPercentOption: ParsableArguments {
    @Option(name: .customLong("read-percent"), parsing: .unconditional,
            help: "Lookups among all operations, in percent (0–100); `run` takes a comma-separated list, the others one value.")
    var readPercent: String?

    var percentages: CountList { CountList(flag: "--read-percent", text: readPercent, noun: "percentage") }

    /// Every value given, each in 0–100; nil when the option is absent.
    func values() throws -> [Int]? { try percentages.values(allowed: 0...100) }

    /// The one value given, or `fallback`.
    func single(_ fallback: Int?) throws -> Int? { try percentages.single(fallback, allowed: 0...100) }
}

/// `--seed`: the seed of every random choice.
struct SeedOption: ParsableArguments {
    @Option(help: "Seed of every random choice (default 1).")
    var seed: UInt64 = 1
}

/// `--duration`: seconds; each command gives its default and range.
struct DurationOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seconds (run: of measured window per cell; the others: per measurement). Each command's range is in its error.")
    var duration: Double?

    /// The value given, or `fallback`; refused outside `allowed`.
    func seconds(_ fallback: Double, allowed: ClosedRange<Double>) throws -> Double {
        let value = duration ?? fallback
        guard value.isFinite, allowed.contains(value) else {
            throw ValidationError("--duration \(value): allowed \(format(allowed.lowerBound))–\(format(allowed.upperBound)) seconds")
        }
        return value
    }

    /// The value given (nil: the caller's default applies later), refused outside `allowed`.
    func optionalSeconds(allowed: ClosedRange<Double>) throws -> Double? {
        guard duration != nil else { return nil }
        return try seconds(0, allowed: allowed)
    }

    private func format(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
}

/// A comma-separated list of integers (`--threads`, `--readers`, `--read-percent`), or one.
struct CountList {
    let flag: String, text: String?
    var noun = "count"

    func values(allowed: ClosedRange<Int>) throws -> [Int]? {
        guard let text else { return nil }
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !values.isEmpty, values.allSatisfy({ $0.map { allowed.contains($0) } ?? false }) else {
            throw ValidationError("\(flag) \(text): allowed a comma-separated list of \(noun)s \(allowed.lowerBound)–\(allowed.upperBound)")
        }
        return values.map { $0! }
    }

    func single(_ fallback: Int?, allowed: ClosedRange<Int>) throws -> Int? {
        guard let values = try values(allowed: allowed) else { return fallback }
        guard values.count == 1 else { throw ValidationError("\(flag) \(text!): this command takes one \(noun) (\(allowed.lowerBound)–\(allowed.upperBound))") }
        return values[0]
    }
}

/// `--threads`: worker threads, one count or a comma-separated list.
struct ThreadsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads: a count, or a comma-separated list where the command runs several (run, map-throughput).")
    var threads: String?

    var counts: CountList { CountList(flag: "--threads", text: threads) }
}

/// `--readers`: reader threads, one count or a comma-separated list.
struct ReadersOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Reader threads: a count, or a comma-separated list where the command runs several (sync-latency); torture: negative, a multiple of the online CPUs (-4: 4 × CPUs).")
    var readers: String?

    var counts: CountList { CountList(flag: "--readers", text: readers) }
}

/// `--key-range`: keys 0..<N of the keyed structures, prefilled to half.
struct KeyRangeOption: ParsableArguments {
    @Option(name: .customLong("key-range"), parsing: .unconditional, help: "Keys 0..<N, prefilled to half (2–16777216; default 16384).")
    var keyRange: Int?

    func value(_ fallback: Int?) throws -> Int? {
        guard let keyRange else { return fallback }
        guard (2...16_777_216).contains(keyRange) else { throw ValidationError("--key-range \(keyRange): allowed 2–16777216") }
        return keyRange
    }
}

/// `--repetitions`: how many times each measurement runs.
struct RepetitionsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Repetitions (run: the outermost loop, default quick 1, full 5; read-cost: 1–100, default 7).")
    var repetitions: Int?

    func value(_ fallback: Int?, allowed: ClosedRange<Int>) throws -> Int? {
        guard let repetitions else { return fallback }
        guard allowed.contains(repetitions) else {
            throw ValidationError("--repetitions \(repetitions): allowed \(allowed.lowerBound)–\(allowed.upperBound)")
        }
        return repetitions
    }
}

/// `--quiet`: no progress lines.
struct QuietFlag: ParsableArguments {
    @Flag(help: "No progress lines.")
    var quiet = false
}

/// `--out`: the results folder a command creates (it must not exist).
struct OutOption: ParsableArguments {
    @Option(help: "Results folder to create (must not exist; run: default results/<UTC time>-<preset>).")
    var out: String?

    /// For the commands that need one (merge).
    func required(_ command: String) throws -> String {
        guard let out else { throw ValidationError("\(command): --out FOLDER is required (a folder that does not exist yet)") }
        return out
    }
}

/// `--gp-interval`: least microseconds between rcu's grace periods; a sweep's list in `run`.
struct GracePeriodIntervalOption: ParsableArguments {
    @Option(name: .customLong("gp-interval"), parsing: .unconditional,
            help: "rcu: least microseconds between the reclaimer thread's grace periods (0–1000000; 0: one as soon as a bag is queued; default 10000, torture's testing thresholds 0). run: a comma-separated sweep.")
    var gpInterval: String?

    /// The one value given (torture), checked by the Kit.
    func single() throws -> Int? {
        guard let gpInterval else { return nil }
        guard let value = Int(gpInterval) else { throw ValidationError("--gp-interval \(gpInterval): this command takes one count of microseconds (0–1000000)") }
        return value
    }
}

/// A scheme id as the positional argument (probe, torture).
struct SchemeArgument: ParsableArguments {
    @Argument(help: "Scheme id (reclaim-bench list).")
    var scheme: String?

    func required(_ command: String) throws -> String {
        guard let scheme else { throw ValidationError("\(command): name a scheme (reclaim-bench list)") }
        return scheme
    }
}
