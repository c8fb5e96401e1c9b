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

    /// Adds the fast-path claims counted down in `hint[1]` since the last refresh to the
    /// record's `fast_path_hits` and restarts the count (one bump per refresh instead of a
    /// counter update on every claim; a statistic read mid-run lags by < 128 a thread).
    @usableFromInline
    static func countFastPathHits(_ hint: UnsafeMutablePointer<Int>, _ record: HazardRecord) {
        let claims = hintRefreshPeriod - hint[1]
        if claims > 0 { record.bumpEvent(HazardPointerDomain.Event.fastPathHits.rawValue, by: UInt64(claims)) }
        hint[1] = hintRefreshPeriod
    }

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
