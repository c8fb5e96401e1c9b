import Synchronization

/// Owner-only state of one `hp-percpu` participant, in raw memory so that the read path
/// touches no class field (a class `var` costs an exclusivity check, and loading the
/// reference a retain and a release): where each of its K protections lives now (a
/// per-CPU slot it owns, its own backup slot, or nowhere), and the CPU hint. Allocated at
/// registration, freed when the participant leaves; only the registering thread touches it.
@usableFromInline
final class PerCPUHazardState {
    /// For protection index i: the slot word holding it (per-CPU or backup), or nil.
    @usableFromInline let locations: UnsafeMutablePointer<UnsafeMutablePointer<Atomic<UInt>>?>
    /// [0]: the line (CPU) claims start from — `sched_getcpu()`'s answer, refreshed every
    /// `hintRefreshPeriod` claims and whenever the hinted line is full; only a hint.
    /// [1]: claims left before the next refresh.
    @usableFromInline let hint: UnsafeMutablePointer<Int>
    @usableFromInline let count: Int

    @inlinable static var hintRefreshPeriod: Int { 128 }

    init(slots: Int, cpuHint: Int) {
        count = slots
        locations = .allocate(capacity: slots)
        locations.initialize(repeating: nil, count: slots)
        hint = .allocate(capacity: 2)
        hint.initialize(to: cpuHint)
        (hint + 1).initialize(to: Self.hintRefreshPeriod)
    }

    deinit {
        locations.deinitialize(count: count)
        locations.deallocate()
        hint.deinitialize(count: 2)
        hint.deallocate()
    }
}
