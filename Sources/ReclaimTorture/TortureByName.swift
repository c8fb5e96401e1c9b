import Foundation
import ReclaimBenchKit
import Reclamation

extension Torture {
    /// The domain thresholds a torture run uses, by command-line name.
    public enum Thresholds: String, CaseIterable, Sendable {
        /// Scan or seal every few retires, 1 ms scan period: reclamation as often as it can.
        case testing
        /// The runner's defaults.
        case `default`
    }

    /// `reclaim-bench torture`: the scheme or planted scheme named (exactly one of them),
    /// with `thresholds` and, for rcu, `gracePeriodMicroseconds`. Every bad value is one
    /// `RunnerError(.usage)` naming it and what is allowed. `reproduce` (the command line)
    /// goes into the failure messages and the report.
    public static func run(
        scheme: String?, planted: String?, options: TortureOptions, thresholds: String, gracePeriodMicroseconds: Int?,
        reproduce: String, progress: @escaping @Sendable (String) -> Void
    ) throws(RunnerError) -> TortureReport {
        guard let thresholds = Thresholds(rawValue: thresholds) else {
            throw RunnerError(.usage, "torture: --thresholds \(thresholds) is not one of \(Thresholds.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var configuration = thresholds == .testing ? ReclaimerConfiguration.testing : ReclaimerConfiguration()
        if let gracePeriodMicroseconds {
            let allowed = ReclaimerConfiguration.Knob.gracePeriodInterval.allowed
            guard allowed.contains(gracePeriodMicroseconds) else {
                throw RunnerError(.usage, "torture: --gp-interval \(gracePeriodMicroseconds): allowed \(allowed.lowerBound)–\(allowed.upperBound) µs")
            }
            configuration.gracePeriodIntervalMicroseconds = gracePeriodMicroseconds
        }
        struct Runner: SchemeVisitor {
            let options: TortureOptions, configuration: ReclaimerConfiguration, planted: Bool
            let progress: @Sendable (String) -> Void
            func visit<R: Reclaimer>(_ scheme: R.Type) -> Result<TortureReport, RunnerError> {
                do { return .success(try Torture.run(R.self, options: options, configuration: configuration, planted: planted, progress: progress)) }
                catch { return .failure(error) }
            }
        }
        reproduceCommand.withLock { $0 = reproduce }
        let result: Result<TortureReport, RunnerError>
        switch (scheme, planted) {
        case (nil, nil):
            throw RunnerError(.usage, "torture: name a scheme (reclaim-bench list) or --planted NAME (--list-planted)")
        case (.some, .some):
            throw RunnerError(.usage, "torture: name a scheme or --planted, not both")
        case (let id?, nil):
            let parsed: SchemeID
            do { parsed = try SchemeID.parse(id) } catch { throw RunnerError(.usage, "torture: \(error)") }
            result = parsed.accept(Runner(options: options, configuration: configuration, planted: false, progress: progress))
        case (nil, let name?):
            let parsed = try PlantedScheme.parse(name)
            result = parsed.accept(Runner(options: options, configuration: configuration, planted: true, progress: progress))
        }
        var report = try result.get()
        report.reproduce = reproduce
        return report
    }
}
