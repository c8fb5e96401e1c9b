import Synchronization

/// Owner-only state of one `hp-percpu` participant: where each of its K protections lives
/// now (a per-CPU slot it owns, its own backup slot, or nowhere), and the CPU hint.
/// Allocated at registration, freed when the participant leaves; only the registering
/// thread touches it, so its fields are plain.
@usableFromInline
final class PerCPUHazardState {
    /// For protection index i: the slot word holding it (per-CPU or backup), or nil.
    @usableFromInline let locations: UnsafeMutablePointer<UnsafeMutablePointer<Atomic<UInt>>?>
    @usableFromInline let count: Int
    /// The line (CPU) claims start from: `sched_getcpu()`'s answer, refreshed every
    /// `hintRefreshPeriod` claims and whenever the hinted line is full. Only a hint.
    @usableFromInline var cpuHint: Int
    @usableFromInline var claimsUntilRefresh: Int

    @inlinable static var hintRefreshPeriod: Int { 128 }

    init(slots: Int, cpuHint: Int) {
        count = slots
        locations = .allocate(capacity: slots)
        locations.initialize(repeating: nil, count: slots)
        self.cpuHint = cpuHint
        claimsUntilRefresh = Self.hintRefreshPeriod
    }

    deinit {
        locations.deinitialize(count: count)
        locations.deallocate()
    }
}
