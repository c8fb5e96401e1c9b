import LockFreeStructures
import Foundation
import Reclamation

/// What `reclaim-bench list` prints: every scheme with family, reference, capabilities and
/// what one node costs in memory.
public enum SchemeTable {
    /// The node `list` prices: one link and 16 bytes of key and value (a hash-map node).
    public static let referenceLayout = NodeLayout(links: 1, dataBytes: 16)

    public struct Row: Sendable, Equatable {
        public var id: String
        public var family: String
        /// "Swift", or "C: <library>" for the reference backends.
        public var implementation: String
        public var summary: String
        public var reference: String
        public var capabilities: String
        /// Bytes the scheme puts before each node.
        public var headerBytes: Int
        /// Threads the domain runs of its own.
        public var helperThreads: Int
        /// Header + payload of the reference node, as asked of the allocator.
        public var nodeBytes: Int
        /// What jemalloc really hands out for that request.
        public var sizeClassBytes: Int
        /// Structures the scheme cannot run, with the reason.
        public var cannotRun: [String]
    }

    public static let columns = [
        "scheme", "family", "implementation", "capabilities", "header_bytes", "node_bytes", "size_class_bytes", "helper_threads",
        "cannot_run", "reference", "summary",
    ]

    public static func rows(allocator: NodeAllocatorKind = .jemalloc) -> [Row] {
        struct Describe: SchemeVisitor {
            let allocator: NodeAllocatorKind
            func visit<R: Reclaimer>(_ scheme: R.Type) -> Row {
                let descriptor = R.descriptor
                let request = SchemeTable.referenceLayout.allocationBytes(R.self)
                let perLink = descriptor.linkOverheadBytes * SchemeTable.referenceLayout.linkCount
                let bytes = request + perLink
                return Row(
                    id: descriptor.id, family: descriptor.family.rawValue, implementation: descriptor.implementation,
                    summary: descriptor.summary,
                    reference: descriptor.reference, capabilities: descriptor.capabilities.description,
                    headerBytes: descriptor.nodeHeaderBytes, helperThreads: descriptor.helperThreads, nodeBytes: bytes,
                    sizeClassBytes: AllocatorStatistics.sizeClass(bytes: request, allocator: allocator)
                        + (perLink > 0 ? AllocatorStatistics.sizeClass(bytes: descriptor.linkOverheadBytes, allocator: allocator)
                            * SchemeTable.referenceLayout.linkCount : 0),
                    cannotRun: StructureID.allCases.compactMap { structure in
                        structure.unsupportedReason(R.self).map { "\(structure): \($0)" }
                    }
                )
            }
        }
        return SchemeID.allCases.map { $0.accept(Describe(allocator: allocator)) }
    }

    static func fields(_ row: Row) -> [String] {
        [row.id, row.family, row.implementation, row.capabilities, String(row.headerBytes), String(row.nodeBytes),
         String(row.sizeClassBytes), String(row.helperThreads), row.cannotRun.joined(separator: "; "),
         row.reference, row.summary]
    }

    /// RFC 4180 CSV with a header line.
    public static func csv(_ rows: [Row]) -> String {
        ([columns] + rows.map(fields)).map { $0.map(CSV.escape).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// An aligned table for people, with the reference node named.
    public static func table(_ rows: [Row]) -> String {
        let shown = ["scheme", "family", "implementation", "capabilities", "header", "node", "size class", "reference"]
        let cells = rows.map { row in
            [row.id, row.family, row.implementation, row.capabilities, "\(row.headerBytes) B", "\(row.nodeBytes) B",
             "\(row.sizeClassBytes) B", row.reference]
        }
        var text = TextTable.render(header: shown, rows: cells)
        text += "\nstructures (each gets every workload of its shape):\n"
        for structure in StructureID.allCases {
            let d = structure.descriptor
            text += "  \(d.id)  \(d.shape)\(d.inPresets ? "" : ", outside the presets")"
                + (d.requires.isEmpty ? "" : ", needs \(d.requires)") + " — \(d.summary) (\(d.reference))\n"
        }
        text += "\nnode = header + one link + 16 B key/value (a hash-map node), as asked of the allocator, plus any\n"
        text += "per-link box (arc); size class = what jemalloc hands out for it.\n"
        let limits = rows.flatMap { row in row.cannotRun.map { "  \(row.id) cannot run \($0)" } }
        if !limits.isEmpty { text += "combinations that cannot run:\n" + limits.joined(separator: "\n") + "\n" }
        let peers = SchemeID.cLibraryPeers.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key)/\($0.value)" }
        text += "Swift schemes and the C libraries they are calibrated against: " + peers.joined(separator: ", ") + "\n"
        let helpers = rows.filter { $0.helperThreads > 0 }.map { "\($0.id) (\($0.helperThreads))" }
        if !helpers.isEmpty { text += "helper threads (count toward oversubscription): " + helpers.joined(separator: ", ") + "\n" }
        text += "default parameters: "
            + ReclaimerConfiguration().parameters.map { "\($0.0)=\($0.1)" }.joined(separator: " ") + "\n"
        return text
    }
}

/// Minimal CSV writing (RFC 4180 quoting).
public enum CSV {
    public static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Left-aligned columns separated by two spaces.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n") + "\n"
    }
}
