import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the kernel says about this process and the machine, read at the window's edges.
struct ProcessMetrics {
    var userSeconds: Double
    var systemSeconds: Double
    var voluntarySwitches: Int
    var involuntarySwitches: Int
    /// Steal time of all CPUs (ms), from /proc/stat; 0 where unreadable.
    var stealMilliseconds: Double

    static func now() -> ProcessMetrics {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return ProcessMetrics(
            userSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            systemSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            voluntarySwitches: usage.ru_nvcsw, involuntarySwitches: usage.ru_nivcsw,
            stealMilliseconds: SystemStatistics.read().stealMilliseconds)
    }

    static func - (end: ProcessMetrics, start: ProcessMetrics) -> ProcessMetrics {
        ProcessMetrics(
            userSeconds: end.userSeconds - start.userSeconds, systemSeconds: end.systemSeconds - start.systemSeconds,
            voluntarySwitches: end.voluntarySwitches - start.voluntarySwitches,
            involuntarySwitches: end.involuntarySwitches - start.involuntarySwitches,
            stealMilliseconds: end.stealMilliseconds - start.stealMilliseconds)
    }
}

extension CellResult {
    /// The kernel's account of the window: CPU time, context switches, steal.
    mutating func record(_ usage: ProcessMetrics) {
        cpuUserSeconds = usage.userSeconds
        cpuSystemSeconds = usage.systemSeconds
        voluntarySwitches = usage.voluntarySwitches
        involuntarySwitches = usage.involuntarySwitches
        stealMilliseconds = usage.stealMilliseconds
    }
}

/// /proc/stat: runnable threads and steal time.
struct SystemStatistics {
    var procsRunning: Int
    var stealMilliseconds: Double

    static func read() -> SystemStatistics {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else {
            return SystemStatistics(procsRunning: 0, stealMilliseconds: 0)
        }
        var running = 0, steal = 0.0
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        for line in text.split(separator: "\n") {
            if line.hasPrefix("cpu ") {
                let fields = line.split(separator: " ")
                if fields.count > 8, let value = Double(fields[8]) { steal = value / ticks * 1000 }
            } else if line.hasPrefix("procs_running ") {
                running = Int(line.split(separator: " ").last ?? "") ?? 0
            }
        }
        return SystemStatistics(procsRunning: running, stealMilliseconds: steal)
    }
}
