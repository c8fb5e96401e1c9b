import Synchronization

/// A thread registered with an epoch domain.
public struct EpochParticipant: ReclaimerParticipant, ~Copyable {
    public typealias Domain = EpochDomain
    @usableFromInline let domain: EpochDomain
    @usableFromInline let record: EpochRecord
    @usableFromInline let hot: HotHeader
    // Four stored words, so that the struct travels in registers (see QuiescentStateParticipant).
    @inlinable var localEpoch: UnsafeMutablePointer<Atomic<UInt64>> {
        hot.scheme(Atomic<UInt64>.self)
    }
    @usableFromInline let globalEpoch: UnsafeMutablePointer<Atomic<UInt64>>

    init(domain: EpochDomain, record: EpochRecord) {
        self.domain = domain
        self.record = record
        self.hot = record.hot
        self.globalEpoch = domain.globalEpoch
    }

    /// The outermost guard pins (publishes the epoch, full fence) and unpins (release
    /// store), then does the work a retire asked for.
    @inlinable
    public func withGuard<Result, Failure: Error>(
        _ body: (borrowing ReadSectionGuard<EpochDomain>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let depth = hot.guardDepth
        if depth == 0 {
            // ORDERING[EBR-E1]: relaxed read: a stale epoch only holds the advance back.
            let epoch = globalEpoch.pointee.load(ordering: .relaxed)
            // ORDERING[EBR-E2]: release, not relaxed (the same mov on x86): an advancer
            // whose acquire load reads this pin rather than the unpin before it must still
            // synchronize with the previous guard's accesses — C++20 release sequences no
            // longer include the releasing thread's later plain stores.
            publishWord(localEpoch, (epoch &<< 1) | 1, .releasing)
            stressPoint(.publishedBeforeFence)
            // ORDERING[EBR-E1]: pairs with the fences in tag() and tryAdvance():
            // the pin is visible before any link this guard reads.
            fullFence()
        }
        hot.guardDepth = depth &+ 1
        defer {
            hot.guardDepth = depth
            if depth == 0 {
                // ORDERING[EBR-E2]: release pairs with tryAdvance's acquire load.
                publishWord(localEpoch, 0, .releasing)
                drainOwnPublishes()
                if hot.pendingWork != 0 { domain.performDeferredWork(record) }
            }
        }
        return try body(ReadSectionGuard(record: record))
    }

    public func flush() { domain.flush(record) }

    public func quiescentState() {}

    deinit { domain.unregister(record) }
}
