import CReclaimSupport
import Foundation
import LockFreeStructures
import Reclamation

/// manifest.json: how a run was made, so it can be reproduced and judged.
public struct Manifest: Codable, Sendable, Equatable {
    public var runID: String
    /// running, complete, or interrupted.
    public var status: String
    public var preset: Preset
    /// "quick — a smoke-scale run, not a reference" or "full — reference run".
    public var label: String
    public var command: [String]
    public var options: RunOptions
    public var gitCommit: String
    public var gitDirty: Bool
    public var swiftVersion: String
    public var build: String
    public var cpuModel: String
    public var cpusOnline: Int
    public var cpusConfigured: Int
    public var kernel: String
    public var allocator: String
    public var mallocConf: String
    public var nodeBytes: [NodeBytes]
    public var schemeParameters: [String: String]
    public var schemes: [SchemeSummary]
    public var samplerPendingPeriodMilliseconds: Double
    public var samplerMemoryPeriodMilliseconds: Double
    public var seriesStride: Int
    public var cellsPlanned: Int
    public var cellsCompleted: Int
    public var cellsInUnshardedPlan: Int
    public var shard: Shard?
    public var skipped: [String]
    public var started: String
    public var finished: String?
    public var interruption: String?
    /// The C libraries' Debian packages and versions (`dpkg-query`), and whether liburcu's
    /// memb flavor found sys_membarrier (its read side is then a compiler barrier). Absent
    /// in manifests written before the C libraries joined.
    public var libraries: [String: String]?

    public struct NodeBytes: Codable, Sendable, Equatable {
        public var scheme: String
        public var structure: String
        /// Header + payload as asked of the allocator, and the size class it hands out.
        public var requestBytes: Int
        public var sizeClassBytes: Int
        /// Outside the node, per link (arc's ManagedAtomic box).
        public var perLinkBytes: Int
    }

    public struct SchemeSummary: Codable, Sendable, Equatable {
        public var id: String
        public var family: String
        public var capabilities: String
        public var helperThreads: Int
        public var reference: String
        /// "Swift", or "C: <library>"; absent in older manifests.
        public var implementation: String?
    }
}

/// The machine and build facts a manifest records.
public enum Environment {
    /// The jemalloc configuration every cell's process starts with (MALLOC_CONF): fixed,
    /// so that caches and dirty-page purging behave alike in every cell.
    public static let cellMallocConf = "narenas:4,tcache:true,dirty_decay_ms:1000,muzzy_decay_ms:0,background_thread:false"

    public static func gitCommit() -> (commit: String, dirty: Bool) {
        let commit = command("git", ["rev-parse", "HEAD"])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        let status = command("git", ["status", "--porcelain", "--untracked-files=no"]) ?? ""
        return (commit.isEmpty ? "unknown" : commit, !status.isEmpty)
    }

    public static func swiftVersion() -> String {
        command("swift", ["--version"])?.split(separator: "\n").first.map(String.init) ?? "unknown (swift not on PATH)"
    }

    public static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    public static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    public static func kernel() -> String {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(field(name.sysname)) \(field(name.release)) \(field(name.machine))"
    }

    /// The C libraries' package versions, where dpkg knows them, and liburcu memb's fence.
    public static func libraries() -> [String: String] {
        var found: [String: String] = [:]
        for package in ["liburcu-dev", "libck-dev"] {
            if let version = command("dpkg-query", ["-W", "-f", "${Version}", package])?
                .trimmingCharacters(in: .whitespacesAndNewlines), !version.isEmpty {
                found[package] = version
            }
        }
        found["liburcu-memb read side"] = LiburcuMembDomain.usesSysMembarrier
            ? "compiler barrier (sys_membarrier found)" : "full fence (no sys_membarrier)"
        return found
    }

    public static func allocator() -> String {
        if let version = AllocatorStatistics.version { return "jemalloc \(version) (mallocx/sdallocx for nodes)" }
        return "system malloc (built without jemalloc)"
    }

    /// Bytes per node of every scheme on every structure it can run.
    public static func nodeBytes() -> [Manifest.NodeBytes] {
        struct Visit: SchemeVisitor {
            func visit<R: Reclaimer>(_ scheme: R.Type) -> [Manifest.NodeBytes] {
                let layouts = StructureID.allCases.map { ($0, $0.accept(PlainNodeLayout<R>())) }
                return layouts.compactMap { structure, layout in
                    guard structure.unsupportedReason(R.self) == nil else { return nil }
                    let request = layout.allocationBytes(R.self)
                    return Manifest.NodeBytes(
                        scheme: R.descriptor.id, structure: structure.rawValue, requestBytes: request,
                        sizeClassBytes: AllocatorStatistics.sizeClass(bytes: request, allocator: NodeAllocatorKind.processDefault),
                        perLinkBytes: R.descriptor.linkOverheadBytes)
                }
            }
        }
        return SchemeID.allCases.flatMap { $0.accept(Visit()) }
    }

    public static func schemes() -> [Manifest.SchemeSummary] {
        SchemeID.allCases.map { id in
            let descriptor = id.descriptor
            return Manifest.SchemeSummary(id: descriptor.id, family: descriptor.family.rawValue,
                                          capabilities: descriptor.capabilities.description,
                                          helperThreads: descriptor.helperThreads, reference: descriptor.reference,
                                          implementation: descriptor.implementation)
        }
    }

    /// Runs a program (found on PATH), returning its standard output, or nil.
    static func command(_ name: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A structure's untimed node layout on scheme `R`.
struct PlainNodeLayout<R: Reclaimer>: StructureVisitor {
    typealias Domain = R
    func visitKeyed<S: KeyedStructure<R>>(_: S.Type) -> NodeLayout { S.plainNodeLayout }
    func visitPool<S: PoolStructure<R>>(_: S.Type) -> NodeLayout { S.plainNodeLayout }
    func visitSlots<S: SlotStructure<R>>(_: S.Type) -> NodeLayout { S.plainNodeLayout }
}
