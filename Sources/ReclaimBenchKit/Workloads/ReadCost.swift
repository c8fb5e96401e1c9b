import ReclaimBenchSupport
import Reclamation
#if canImport(Glibc)
import Glibc
#endif

/// The read-side cost of a scheme, as the kernel's refscale measures it: one thread, a
/// 1024-slot table, each operation a guard + protect + read of one node + guard end, then
/// the quiescent state every workload announces between operations.
/// The loop lives in this module and calls the scheme generically, so it also shows
/// whether the scheme's hot path is specialized and inlined across modules (without
/// `@inlinable` hp measured 21–25 ns instead of ~2).
public enum ReadCost {
    /// Which slot each operation reads.
    public enum Pattern: String, CaseIterable, Sendable {
        /// Slots 0, 1, 2, … in turn: every load predictable, the misses hidden.
        case sequential
        /// A SplitMix64 draw per operation, as the cells and the C harness read (and
        /// refscale's readers pick their targets): the scheme's cost with the access
        /// pattern the ratios come from.
        case random
    }

    public struct Result: Sendable {
        public var scheme: String
        /// Nanoseconds per operation, one per repetition, sorted.
        public var nanoseconds: [Double]
        public var median: Double { nanoseconds[nanoseconds.count / 2] }
    }

    /// A scheme's measurement compiled in the module that registered it (operations,
    /// repetitions, pattern → sorted ns per operation); see `BenchScheme`.
    public typealias Body = @Sendable (Int, Int, Pattern) -> [Double]

    /// The bodies of the registered schemes from outside the package (`BenchRegistry`).
    static func install(_ bodies: [String: Body]) { registered.withLock { $0 = bodies } }
    private static let registered = Locked<[String: Body]>([:])

    public static func run(schemes: [SchemeID], operations: Int, repetitions: Int, pattern: Pattern = .sequential) -> [Result] {
        struct Visit: SchemeVisitor {
            let operations: Int, repetitions: Int, pattern: Pattern
            func visit<R: Reclaimer>(_ scheme: R.Type) -> Result {
                Result(scheme: R.descriptor.id,
                       nanoseconds: ReadCost.measure(R.self, operations: operations, repetitions: repetitions, pattern: pattern))
            }
        }
        return schemes.map { scheme in
            if let body = registered.withLock({ $0[scheme.rawValue] }) {  // a scheme from outside, specialized in its module
                return Result(scheme: scheme.rawValue, nanoseconds: body(operations, repetitions, pattern))
            }
            return scheme.accept(Visit(operations: operations, repetitions: repetitions, pattern: pattern))
        }
    }

    @inlinable
    public static func measure<R: Reclaimer>(_ scheme: R.Type, operations: Int, repetitions: Int, pattern: Pattern) -> [Double] {
        let domain: R
        do { domain = try R(configuration: ReclaimerConfiguration()) } catch {
            fatalError("cannot build a \(R.descriptor.id) domain: \(error)")
        }
        let slots = 1024
        let layout = NodeLayout(links: 0, dataBytes: 16)
        let links = UnsafeMutablePointer<R.Link>.allocate(capacity: slots)
        for index in 0..<slots { (links + index).initialize(to: R.Link(.null)) }
        var results: [Double] = []
        do {
            let participant = domain.register(slots: 1)
            participant.withGuard { guardian in
                for index in 0..<slots {
                    let node = domain.allocate(layout)
                    node.storeBytes(of: UInt64(index), as: UInt64.self)
                    guardian.store(links + index, TaggedNode(node), .releasing)
                }
            }
            func loop(_ count: Int) -> UInt64 {
                switch pattern {
                case .sequential: readLoop(R.self, participant, links, count)
                case .random: randomReadLoop(R.self, participant, links, count)
                }
            }
            _ = loop(operations / 10)  // warm-up, discarded
            for _ in 0..<repetitions {
                let start = monotonicNanoseconds()
                let checksum = loop(operations)
                let elapsed = monotonicNanoseconds() - start
                if checksum == 1 { print("", terminator: "") }  // keeps the reads
                results.append(Double(elapsed) / Double(operations))
            }
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
        return results.sorted()
    }

    @inlinable @inline(never)
    static func readLoop<R: Reclaimer>(
        _ scheme: R.Type, _ participant: borrowing R.Participant, _ links: UnsafeMutablePointer<R.Link>, _ count: Int
    ) -> UInt64 {
        var sum: UInt64 = 0
        var index = 0
        for _ in 0..<count {
            sum &+= participant.withGuard { guardian in
                guard let node = guardian.protect(links + index, slot: 0).node else { return 0 }
                return node.load(as: UInt64.self)
            }
            participant.quiescentState()  // between operations, as every workload does (qsbr acts on it)
            index = (index &+ 1) & 1023
        }
        return sum
    }

    /// As `readLoop`, each operation on a random slot (one SplitMix64 draw, Lemire's
    /// multiply-shift onto 0..<1024: the cells' and the C harness's index).
    @inlinable @inline(never)
    static func randomReadLoop<R: Reclaimer>(
        _ scheme: R.Type, _ participant: borrowing R.Participant, _ links: UnsafeMutablePointer<R.Link>, _ count: Int
    ) -> UInt64 {
        var sum: UInt64 = 0
        var random = SplitMix64(seed: 1)
        for _ in 0..<count {
            let index = random.below(1024)
            sum &+= participant.withGuard { guardian in
                guard let node = guardian.protect(links + index, slot: 0).node else { return 0 }
                return node.load(as: UInt64.self)
            }
            participant.quiescentState()
        }
        return sum
    }

    public static func monotonicNanoseconds() -> UInt64 { MonotonicClock.nanoseconds() }
}
