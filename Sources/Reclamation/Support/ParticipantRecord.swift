import Synchronization

import CReclaimSupport

/// Per-thread state every scheme keeps: one object per registered thread, published once
/// in the domain's registry and reused by a later thread after its owner leaves (records
/// are freed only with the domain, so scanners never meet a freed record).
///
/// Three kinds of fields, and who may touch them:
/// - **hot block** (`hot`): 128-byte aligned, written by the owner on its read path (guard
///   depth, flags; the scheme's slots or epoch word), read by scanners. Aligned so that
///   two threads' hot state never shares a line.
/// - **atomics** (registry link, activity, counters): read by any thread.
/// - **owner-only** fields of subclasses: touched only by the thread that holds the record
///   active; the `isActive` release/acquire pair hands them from one owner to the next.
@usableFromInline
class ParticipantRecord: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): see the field kinds above; every cross-thread access
    // is to an atomic, to the immutable fields, or to the hot block through atomics.

    /// Owner-written block; `HotHeader` describes its first bytes, schemes use the rest.
    @usableFromInline final let hot: HotHeader
    /// Next record in the registry (opaque bits of an unretained reference); written once
    /// before the record is published.
    final let registryNext = Atomic<UInt>(0)
    /// True while a participant owns the record.
    final let isActive = Atomic<Bool>(true)
    /// Nodes this record's owners retired / freed. Single writer (the owner): relaxed
    /// load + store, never a read-modify-write; readers sum them with relaxed loads.
    @usableFromInline final let retiredCount = Atomic<UInt64>(0)
    @usableFromInline final let freedCount = Atomic<UInt64>(0)
    /// Scheme event counters (scans, epoch advances…), same single-writer rule.
    @usableFromInline final let events: UnsafeMutablePointer<Atomic<UInt64>>
    final let eventCount: Int
    /// The domain this record belongs to (identity only; no reference is kept).
    final let domainIdentity: ObjectIdentifier
    final let schemeID: String
    /// Next record registered by the same thread (owner-only; see `ThreadParticipants`).
    final var threadChainNext: UnsafeMutableRawPointer?

    /// `hot` comes from `HotHeader.allocate(schemeBytes:)`; the record frees it.
    init(domain: AnyObject, schemeID: String, hot: HotHeader, eventCount: Int) {
        self.hot = hot
        self.domainIdentity = ObjectIdentifier(domain)
        self.schemeID = schemeID
        self.eventCount = eventCount
        self.events = .allocate(capacity: max(eventCount, 1))
        for index in 0..<max(eventCount, 1) { (events + index).initialize(to: Atomic(0)) }
    }

    deinit {
        events.deinitialize(count: max(eventCount, 1))
        events.deallocate()
        CacheAlignedMemory.free(hot.base)
    }

    /// Owner-only: takes a retired node. Each scheme's record overrides it; guards that
    /// share one type across schemes (`ReadSectionGuard`) reach it through the vtable —
    /// one indirect call on the retire path, none on the read path.
    @usableFromInline
    func retire(_ entry: RetiredNode) {
        fatalError("\(schemeID): this record does not take retired nodes")
    }

    /// Whether the owner is inside a guard of this record's domain, for the checks on slow
    /// paths (a blocking call inside a guard, leaving inside one). The guard depth, unless
    /// the scheme's library keeps the nesting itself (ck_epoch's `active`, liburcu memb's
    /// nesting count) and the guard does not duplicate it.
    func isInsideGuard() -> Bool { hot.guardDepth > 0 }

    /// Owner-only: adds to a single-writer counter.
    @inlinable
    final func bump(_ counter: borrowing Atomic<UInt64>, by amount: UInt64 = 1) {
        // ORDERING: relaxed load and store; only the owner writes, readers tolerate a
        // value a moment old, and no other memory depends on the count.
        counter.store(counter.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    @inlinable
    final func bumpEvent(_ index: Int, by amount: UInt64 = 1) {
        bump(events[index], by: amount)
    }

    final func eventValue(_ index: Int) -> UInt64 {
        events[index].load(ordering: .relaxed)  // ORDERING: a statistic; staleness is fine
    }
}

/// View of the first bytes of a record's hot block. Plain (non-atomic) fields: only the
/// owner thread reads or writes them.
@frozen
@usableFromInline
struct HotHeader {
    @usableFromInline let base: UnsafeMutableRawPointer

    /// qsbr: `quiescentState()` calls left before the next announcement.
    @inlinable
    var quiescentCountdown: Int {
        get { base.load(fromByteOffset: 16, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 16, as: Int.self) }
    }

    /// Where a scheme's own hot state (slots, epoch word) begins.
    @inlinable static var schemeAreaOffset: Int { 32 }

    @inlinable init(base: UnsafeMutableRawPointer) { self.base = base }

    /// A zeroed, 128-byte-aligned block with `schemeBytes` of scheme area.
    static func allocate(schemeBytes: Int) -> HotHeader {
        HotHeader(base: CacheAlignedMemory.allocate(bytes: schemeAreaOffset + schemeBytes))
    }

    /// Nesting depth of `withGuard` on the owner thread.
    @inlinable
    var guardDepth: Int {
        get { base.load(as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, as: Int.self) }
    }

    /// Nonzero when the owner must do deferred work (scan, collect) at its outermost
    /// guard exit.
    @inlinable
    var pendingWork: UInt {
        get { base.load(fromByteOffset: 8, as: UInt.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 8, as: UInt.self) }
    }

    /// The scheme's area.
    @inlinable
    var schemeArea: UnsafeMutableRawPointer { base + Self.schemeAreaOffset }

    /// The scheme area as the values its record bound there (`bindSchemeArea`): the one
    /// place a record and its participant find their word or slots, so neither keeps a
    /// copy of the address.
    @inlinable
    func scheme<Value: ~Copyable>(_ type: Value.Type) -> UnsafeMutablePointer<Value> {
        schemeArea.assumingMemoryBound(to: Value.self)
    }

    /// Binds the scheme area to `count` values of `Value`, each initialized to `initial`.
    func bindSchemeArea<Value: ~Copyable>(_ count: Int, initializingTo initial: () -> Value) {
        let values = schemeArea.bindMemory(to: Value.self, capacity: count)
        for index in 0..<count { (values + index).initialize(to: initial()) }
    }
}
