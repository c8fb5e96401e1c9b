import Foundation
import ReclaimBenchKit
import Reclamation

extension TortureReport {
    /// The end-of-run text: the Reader Pipe, acquire/release per path, objects and
    /// carriers, then SUCCESS or FAILURE with the reason.
    public func render() -> String {
        var lines: [String] = []
        let deferred = handsOff
            ? "deferred protections handed to the release thread (cross-thread release)"
            : "deferred protections held long on the reading thread (\(scheme) has no cross-thread release)"
        lines.append("torture \(scheme)\(planted ? " (planted)" : ""): \(readers) reader(s) on \(cpus) CPU(s), \(fakeWriters) fake writer(s), \(String(format: "%.1f", seconds)) s; \(deferred)")
        lines.append("parameters: \(parameters)")
        lines.append("Reader Pipe: " + pipe.map(String.init).joined(separator: " ")
                     + "   (reads that saw age 0, 1, …, \(pipe.count - 2), ≥ \(pipe.count - 1); any read past age 1 fails)")
        lines.append("reads: \(reads) protections, \(counts.checks) checks of a protected node and its object, \(pipe.reduce(0, +)) ages recorded"
                     + (counts.emptyReads > 0 ? ", \(counts.emptyReads) found the root empty" : ""))
        lines.append("acquire/release: direct \(counts.directAcquired)/\(counts.directReleased), "
                     + "deferred (hand-off) \(counts.deferredAcquired)/\(counts.deferredReleased), "
                     + "long-held \(counts.longAcquired)/\(counts.longReleased) (long-held ones are also direct)"
                     + (counts.flushesInGuard > 0 ? "; \(counts.flushesInGuard) flushed inside the guard" : ""))
        let sleep = counts.sleeps > 0 ? String(format: ", reader sleeps %d (mean %.0f µs achieved)", counts.sleeps, Double(counts.sleptNanoseconds) / Double(counts.sleeps) / 1000) : ""
        lines.append("replacements: \(replacements) (\(counts.asyncRetires) through retire and the deleter, \(counts.syncGracePeriods) synchronize() grace periods)\(sleep)")
        lines.append("objects: \(objects), \(objectsInPoolAtEnd) back in the pool at the end; carriers: \(carriersMade) made, \(carriersFreed) freed; pool empty \(poolEmpty) time(s)"
                     + (counts.stutterChecks > 0 ? "; stutter checks passed: \(counts.stutterChecks - (failure?.kind == .leaked ? 1 : 0))" : "")
                     + (counts.churnedThreads > 0 ? "; reader threads churned: \(counts.churnedThreads)" : ""))
        if let stress { lines.append(stress) }
        if let window = plantedWindowAt {
            lines.append("planted yield point first reached at replacement \(window)")
        }
        if let failure {
            var line = "FAILURE: \(failure.kind.rawValue) — \(failure.detail) (at \(String(format: "%.3f", failure.atSeconds)) s, replacement \(failure.replacements)"
            if let window = plantedWindowAt { line += "; \(max(0, failure.replacements - window)) replacement(s) after the planted window opened" }
            line += failure.count > 1 ? "; \(failure.count) failures seen)" : ")"
            lines.append(line)
            if let reproduce { lines.append("reproduce: \(reproduce)") }
        } else {
            lines.append("SUCCESS")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
