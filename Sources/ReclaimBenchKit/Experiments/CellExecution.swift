import CReclaimSupport
import Histogram
import LockFreeStructures
import Reclamation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs one cell in this process (a child of the runner): the workload on the structure
/// with the scheme, for warm-up then the window. Dispatches once to generic code.
public enum CellExecution {
    public static func run(_ spec: CellSpec) -> CellResult {
        if spec.harness == .c { return CHarnessCell.run(spec) }
        if let (body, note) = RegisteredCellBodies.body(for: spec) {
            var result = body(spec)
            if let note { result.note = note + result.note }
            return result
        }
        struct Visit: SchemeVisitor {
            let spec: CellSpec
            func visit<R: Reclaimer>(_ scheme: R.Type) -> CellResult { CellExecution.run(R.self, spec) }
        }
        return spec.scheme.accept(Visit(spec: spec))
    }

    /// The cell with scheme `R`, its structure dispatched by id. `@inlinable`, as is every
    /// body below: a scheme from outside the package gets them specialized in its own
    /// module (`BenchScheme`), where through the registry's existential they would run
    /// generic, at a cost that is the harness's and not the scheme's.
    @inlinable
    public static func run<R: Reclaimer>(_ scheme: R.Type, _ spec: CellSpec) -> CellResult {
        withHarness(R.self, spec) { spec.structure.accept(Workload(harness: $0)) }
    }

    /// The cell with scheme `R` on structure kind `K`: both specialized.
    @inlinable
    public static func run<R: Reclaimer, K: StructureKind>(_ scheme: R.Type, _ structure: K.Type, _ spec: CellSpec) -> CellResult {
        withHarness(R.self, spec) { K.accept(Workload(harness: $0)) }
    }

    /// The cell on structure kind `K`, its scheme dispatched by id (a built-in scheme is
    /// named in `SchemeID.accept`'s switch, so it is specialized too).
    @inlinable
    public static func run<K: StructureKind>(_ spec: CellSpec, structure: K.Type) -> CellResult {
        spec.scheme.accept(OnStructure<K>(spec: spec))
    }

    @usableFromInline
    struct OnStructure<K: StructureKind>: SchemeVisitor {
        @usableFromInline let spec: CellSpec
        @inlinable init(spec: CellSpec) { self.spec = spec }
        @inlinable func visit<R: Reclaimer>(_ scheme: R.Type) -> CellResult { CellExecution.run(R.self, K.self, spec) }
    }

    @inlinable
    static func withHarness<R: Reclaimer>(_ scheme: R.Type, _ spec: CellSpec, _ body: (CellHarness<R>) -> CellResult) -> CellResult {
        let harness: CellHarness<R>
        do { harness = try CellHarness<R>(spec: spec) } catch {
            var result = CellResult()
            result.status = .failed
            result.note = "\(error)"
            return result
        }
        return body(harness)
    }

    /// The cell's structure, by shape, handed to its experiment: each experiment has a
    /// body for every shape (a missing one does not compile), and `WorkloadID.accept`
    /// names every experiment (a missing case does not compile either).
    @usableFromInline
    struct Workload<R: Reclaimer>: StructureVisitor {
        @usableFromInline typealias Domain = R
        @usableFromInline let harness: CellHarness<R>
        @inlinable init(harness: CellHarness<R>) { self.harness = harness }

        @inlinable
        func visitKeyed<S: KeyedStructure<R>>(_ structure: S.Type) -> CellResult {
            harness.spec.workload.accept(KeyedCell<R, S>(harness: harness))
        }

        @inlinable
        func visitPool<S: PoolStructure<R>>(_ structure: S.Type) -> CellResult {
            harness.spec.workload.accept(PoolCell<R, S>(harness: harness))
        }

        @inlinable
        func visitSlots<S: SlotStructure<R>>(_ structure: S.Type) -> CellResult {
            harness.spec.workload.accept(SlotsCell<R, S>(harness: harness))
        }
    }

    @usableFromInline
    struct KeyedCell<R: Reclaimer, S: KeyedStructure<R>>: ExperimentVisitor {
        @usableFromInline let harness: CellHarness<R>
        @inlinable init(harness: CellHarness<R>) { self.harness = harness }
        @inlinable func visit<E: Experiment>(_ experiment: E.Type) -> CellResult { E.keyed(harness, S.self) }
    }

    @usableFromInline
    struct PoolCell<R: Reclaimer, S: PoolStructure<R>>: ExperimentVisitor {
        @usableFromInline let harness: CellHarness<R>
        @inlinable init(harness: CellHarness<R>) { self.harness = harness }
        @inlinable func visit<E: Experiment>(_ experiment: E.Type) -> CellResult { E.pool(harness, S.self) }
    }

    @usableFromInline
    struct SlotsCell<R: Reclaimer, S: SlotStructure<R>>: ExperimentVisitor {
        @usableFromInline let harness: CellHarness<R>
        @inlinable init(harness: CellHarness<R>) { self.harness = harness }
        @inlinable func visit<E: Experiment>(_ experiment: E.Type) -> CellResult { E.slots(harness, S.self) }
    }

    /// Operations a worker runs between two looks at the phase: reads and updates are
    /// counted per batch.
    public static var operationsPerBatch: Int { CellLoops.batch }
}
