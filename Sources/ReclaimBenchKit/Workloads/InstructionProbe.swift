import LockFreeStructures
import ReclaimBenchSupport
import Reclamation
import Synchronization

/// A fixed number of single-thread operations in one `@inline(never)` loop per kind, for
/// counting instructions under `valgrind --tool=callgrind --toggle-collect=<loop>`
/// (scripts/instruction-check.sh). Instruction counts do not drift with the machine's
/// load or clock, so they can gate CI where wall-clock times cannot: a hot path that lost
/// its specialization (`@inlinable` removed, an existential slipped in) costs 7–20× the
/// instructions, allocation or not.
///
/// Setup (domain, nodes, prefill) happens outside the loops, so only the loop is counted.
public enum InstructionProbe {
    public enum Operation: String, CaseIterable, Sendable {
        /// guard + protect + read one node + guard end + quiescent state (refscale's
        /// read-side cost), over a 1024-slot table.
        case read
        /// `contains` on a 1024-bucket hash map prefilled with every even key of 0..<2048,
        /// keys 0, 1, 2, … in turn: one hit and one miss out of two.
        case lookup
        /// The read-mostly slot-table cell's reader loop (`CellLoops.cellSlotTableReaderLoop`,
        /// the very function the cells run): 1024 slots, random slots, sampler and phase
        /// checks included. Its count beside `read` is what the cell adds to the scheme.
        case slotTableCell = "slot-table-cell"
        /// The read-mostly hash-map cell's worker loop (`CellLoops.cellMapWorkerLoop`): keys
        /// 0..<16384 prefilled to half, 99 % lookups, the rest inserts and removes.
        case mapCell = "map-cell"

        /// The loop's symbol stem, for callgrind's `--toggle-collect`.
        public var loopSymbol: String {
            switch self {
            case .read: "countedReadLoop"
            case .lookup: "countedLookupLoop"
            case .slotTableCell: "cellSlotTableReaderLoop"
            case .mapCell: "cellMapWorkerLoop"
            }
        }
    }

    /// Why `operation` cannot run on `scheme`, or nil.
    public static func unsupportedReason(_ scheme: SchemeID, _ operation: Operation) -> String? {
        guard operation == .lookup || operation == .mapCell else { return nil }
        struct Visit: SchemeVisitor {
            func visit<R: Reclaimer>(_ scheme: R.Type) -> String? { StructureID.hashMap.unsupportedReason(R.self) }
        }
        return scheme.accept(Visit())
    }

    /// Runs `count` operations; returns a checksum (so that nothing is optimized away).
    /// `readWork`: the slot-table cell's rounds of read work (`--read-work`).
    public static func run(_ scheme: SchemeID, _ operation: Operation, count: Int, readWork: Int = 0) -> UInt64 {
        struct Visit: SchemeVisitor {
            let operation: Operation, count: Int, readWork: Int
            func visit<R: Reclaimer>(_ scheme: R.Type) -> UInt64 {
                switch operation {
                case .read: InstructionProbe.reads(R.self, count: count)
                case .lookup: InstructionProbe.lookups(R.self, count: count)
                case .slotTableCell: InstructionProbe.slotTableCell(R.self, count: count, readWork: readWork)
                case .mapCell: InstructionProbe.mapCell(R.self, count: count)
                }
            }
        }
        return scheme.accept(Visit(operation: operation, count: count, readWork: readWork))
    }

    static func domain<R: Reclaimer>(_ scheme: R.Type) -> R {
        do { return try R(configuration: ReclaimerConfiguration()) } catch {
            fatalError("cannot build a \(R.descriptor.id) domain: \(error)")
        }
    }

    static func reads<R: Reclaimer>(_ scheme: R.Type, count: Int) -> UInt64 {
        let domain = domain(R.self)
        let slots = 1024
        let layout = NodeLayout(links: 0, dataBytes: 16)
        let links = UnsafeMutablePointer<R.Link>.allocate(capacity: slots)
        for index in 0..<slots { (links + index).initialize(to: R.Link(.null)) }
        var checksum: UInt64 = 0
        do {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                for index in 0..<slots {
                    let node = domain.allocate(layout)
                    node.storeBytes(of: UInt64(index), as: UInt64.self)
                    guardian.store(links + index, TaggedNode(node), .releasing)
                }
            }
            checksum = countedReadLoop(R.self, participant, links, count)
            participant.withGuard { guardian in
                for index in 0..<slots {
                    let old = guardian.load(links + index, .relaxed)
                    guardian.store(links + index, .null, .releasing)
                    if let node = old.node { guardian.retire(node, layout) }
                }
            }
        }
        domain.drain()
        links.deinitialize(count: slots)
        links.deallocate()
        return checksum
    }

    @inline(never)
    static func countedReadLoop<R: Reclaimer>(
        _ scheme: R.Type, _ participant: borrowing R.Participant, _ links: UnsafeMutablePointer<R.Link>, _ count: Int
    ) -> UInt64 {
        var sum: UInt64 = 0
        var index = 0
        for _ in 0..<count {
            sum &+= participant.withGuard { guardian in
                guard let node = guardian.protect(links + index, slot: 0).node else { return 0 }
                return node.load(as: UInt64.self)
            }
            participant.quiescentState()
            index = (index &+ 1) & 1023
        }
        return sum
    }

    static func lookups<R: Reclaimer>(_ scheme: R.Type, count: Int) -> UInt64 {
        let domain = domain(R.self)
        let map = LockFreeHashMap(domain: domain, bucketCount: 1024)
        var checksum: UInt64 = 0
        do {
            let participant = domain.register(slots: LockFreeHashMap<R>.slotsNeeded)
            for key in stride(from: 0, to: 2048, by: 2) { _ = map.insert(key, value: key, using: participant) }
            checksum = countedLookupLoop(map, participant, count)
            map.removeAllQuiescent(using: participant)
        }
        domain.drain()
        return checksum
    }

    @inline(never)
    static func countedLookupLoop<R: Reclaimer>(
        _ map: LockFreeHashMap<R>, _ participant: borrowing R.Participant, _ count: Int
    ) -> UInt64 {
        var hits: UInt64 = 0
        var key = 0
        for _ in 0..<count {
            if map.contains(key, using: participant) { hits &+= 1 }
            participant.quiescentState()
            key = (key &+ 1) & 2047
        }
        return hits
    }

    /// A phase word that says "measuring" for the whole probe.
    static func measuringPhase() -> CellLoops.PhaseWord {
        let word = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
        word.initialize(to: Atomic(CellHarnessPhase.measuring.rawValue))
        return CellLoops.PhaseWord(word: word)
    }

    /// The slot-table and map cells reach their structure as a cell does, through
    /// `StructureID.accept` (so a dispatch that stops specializing the structure shows in
    /// their counts, not only a scheme that stops inlining).
    static func slotTableCell<R: Reclaimer>(_ scheme: R.Type, count: Int, readWork: Int = 0) -> UInt64 {
        StructureID.slotTable.accept(CellProbe<R>(domain: domain(R.self), count: count, readWork: readWork))
    }

    static func mapCell<R: Reclaimer>(_ scheme: R.Type, count: Int) -> UInt64 {
        StructureID.hashMap.accept(CellProbe<R>(domain: domain(R.self), count: count, readWork: 0))
    }

    static func slotTableCell<R: Reclaimer, S: SlotStructure<R>>(_ domain: R, _: S.Type, count: Int, readWork: Int) -> UInt64 {
        let phase = measuringPhase()
        defer { phase.word.deallocate() }
        var counts = CellLoops.Counts()
        do {
            let participant = domain.register(slots: S.slotsNeeded)
            let table = S.make(domain: domain, count: CellBodies.slotTableSlots, using: participant)
            var latency = CellHarness<R>.latencyHistogram()
            CellLoops.cellSlotTableReaderLoop(
                table, participant, phase: phase, seed: 1, sleepEvery: 0, sleepMicros: 0, readWork: readWork,
                batches: max(1, count / CellLoops.batch), latency: &latency, counts: &counts)
            table.removeAllQuiescent(using: participant)
        }
        domain.drain()
        return UInt64(truncatingIfNeeded: counts.checksum)
    }

    static func mapCell<R: Reclaimer, S: KeyedStructure<R>>(_ domain: R, _: S.Type, count: Int) -> UInt64 {
        let phase = measuringPhase()
        defer { phase.word.deallocate() }
        let keyRange = 16_384
        let map = S.make(domain: domain, keyRange: keyRange, timing: nil)
        var counts = CellLoops.Counts()
        do {
            let participant = domain.register(slots: S.slotsNeeded)
            var random = SplitMix64(seed: 0xF111)
            var filled = 0
            while filled < keyRange / 2 {
                if map.insert(random.below(keyRange), value: filled, using: participant) { filled += 1 }
            }
            var latency = CellHarness<R>.latencyHistogram()
            CellLoops.cellMapWorkerLoop(
                map, participant, phase: phase, seed: 1, keyRange: keyRange, readPercent: 99,
                batches: max(1, count / CellLoops.batch), latency: &latency, counts: &counts)
            map.removeAllQuiescent(using: participant)
        }
        domain.drain()
        return UInt64(truncatingIfNeeded: counts.checksum)
    }
}

/// The probe's cell bodies on the structure a `StructureID` names (a pool has no probe).
struct CellProbe<R: Reclaimer>: StructureVisitor {
    typealias Domain = R
    let domain: R, count: Int, readWork: Int

    func visitKeyed<S: KeyedStructure<R>>(_ structure: S.Type) -> UInt64 {
        InstructionProbe.mapCell(domain, S.self, count: count)
    }

    func visitPool<S: PoolStructure<R>>(_ structure: S.Type) -> UInt64 {
        preconditionFailure("the instruction probe has no pool cell (\(S.descriptor.id))")
    }

    func visitSlots<S: SlotStructure<R>>(_ structure: S.Type) -> UInt64 {
        InstructionProbe.slotTableCell(domain, S.self, count: count, readWork: readWork)
    }
}
