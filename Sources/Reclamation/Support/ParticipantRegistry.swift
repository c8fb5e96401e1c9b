import Synchronization

/// The lock-free list of a domain's participant records (Michael 2004's HP record list).
/// Records are pushed once and never unlinked; a thread that registers first tries to
/// claim a record its previous owner released.
@usableFromInline
final class ParticipantRegistry: @unchecked Sendable {
    // SAFETY: all shared state is the atomic head and the records' own atomics.
    private let head = Atomic<UInt>(0)
    private let count = Atomic<Int>(0)

    init() {}

    deinit {
        var bits = head.load(ordering: .acquiring)
        while bits != 0 {
            let record = Unmanaged<ParticipantRecord>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)
            bits = record.takeUnretainedValue().registryNext.load(ordering: .relaxed)
            record.release()  // balances passRetained in publish(_:)
        }
    }

    /// Records ever published (active or not).
    var recordCount: Int { count.load(ordering: .relaxed) }

    /// Claims an inactive record that `fits`; nil when none does.
    func claim<Record: ParticipantRecord>(_ type: Record.Type, where fits: (Record) -> Bool) -> Record? {
        var claimed: Record?
        forEach { record in
            guard claimed == nil, !record.isActive.load(ordering: .relaxed) else { return }
            let typed = unsafeDowncast(record, to: Record.self)
            guard fits(typed) else { return }
            // ORDERING[REG-E1]: acquire pairs with the release that ended the previous
            // owner's tenure (`retire(_:)`): its owner-only writes happen before ours.
            if record.isActive.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
                claimed = typed
            }
        }
        return claimed
    }

    /// Claims an inactive record that `fits`, or publishes the one `make` builds; either way
    /// the record is active and on the calling thread's chain (`ThreadParticipants`).
    func enroll<Record: ParticipantRecord>(
        _ type: Record.Type, where fits: (Record) -> Bool = { _ in true }, make: () -> Record
    ) -> Record {
        let record = claim(type, where: fits) ?? {
            let fresh = make()
            publish(fresh)
            return fresh
        }()
        ThreadParticipants.add(record)
        return record
    }

    /// Ends the calling thread's tenure of `record`.
    func leave(_ record: ParticipantRecord) {
        stressPoint(.leavingBeforeExit)
        ThreadParticipants.remove(record)
        retire(record)
    }

    /// Retired, freed (including `freedOutside`) and the peak pending, with each event
    /// counter summed over records.
    func statistics(freedOutside: UInt64, peakPending: UInt64, events names: [String]) -> ReclaimerStatistics {
        let (retired, freed) = sumCounters()
        let total = freed &+ freedOutside
        var events = [UInt64](repeating: 0, count: names.count)
        forEach { record in
            for index in names.indices { events[index] &+= record.eventValue(index) }
        }
        let pending = retired >= total ? retired - total : 0
        return ReclaimerStatistics(
            retired: retired, freed: total, peakPending: max(peakPending, pending),
            counters: zip(names, events).map { SchemeCounter($0, $1) }
        )
    }

    /// Publishes a new record (already active).
    func publish(_ record: ParticipantRecord) {
        let bits = UInt(bitPattern: Unmanaged.passRetained(record).toOpaque())
        count.add(1, ordering: .relaxed)  // ORDERING: a statistic
        var expected = head.load(ordering: .relaxed)
        while true {
            record.registryNext.store(expected, ordering: .relaxed)
            // ORDERING[REG-E2]: release publishes the record's initialized fields (hot block,
            // counters, registryNext) to every traversal's acquire load.
            let (exchanged, original) = head.compareExchange(expected: expected, desired: bits, ordering: .releasing)
            if exchanged { return }
            expected = original
        }
    }

    /// Ends an owner's tenure: the record may be claimed by the next thread.
    func retire(_ record: ParticipantRecord) {
        // ORDERING[REG-E1]: release pairs with the acquire in claim(_:where:).
        record.isActive.store(false, ordering: .releasing)
    }

    /// Visits every published record, newest first.
    func forEach(_ body: (ParticipantRecord) -> Void) {
        // ORDERING[REG-E2]: acquire pairs with the release in publish(_:).
        var bits = head.load(ordering: .acquiring)
        while bits != 0 {
            let record = Unmanaged<ParticipantRecord>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)
            record._withUnsafeGuaranteedRef { body($0) }
            bits = record._withUnsafeGuaranteedRef { $0.registryNext.load(ordering: .acquiring) }
        }
    }

    /// Records currently owned by a participant.
    var activeCount: Int {
        var active = 0
        forEach { if $0.isActive.load(ordering: .acquiring) { active += 1 } }
        return active
    }

    /// Sums per-record retired and freed counters. Freed is read first: a node is counted
    /// retired before it can be counted freed, so the sum never shows more freed than retired.
    func sumCounters() -> (retired: UInt64, freed: UInt64) {
        var freed: UInt64 = 0, retired: UInt64 = 0
        forEach { freed &+= $0.freedCount.load(ordering: .acquiring) }
        forEach { retired &+= $0.retiredCount.load(ordering: .acquiring) }
        return (retired, freed)
    }
}
