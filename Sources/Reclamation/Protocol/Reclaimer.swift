/// A safe-memory-reclamation scheme, in the hazard-pointer vocabulary that every family
/// can implement (the reverse does not hold).
///
/// The *domain* (a conforming final class) is the global state of one scheme instance:
/// slot arrays, epochs, registries, retire queues. A thread calls `register(slots:)` once
/// and keeps the returned `Participant`; it opens read-side critical sections with
/// `Participant.withGuard`, and inside one reads and writes links, protects nodes and
/// retires unlinked ones through the `Guard`.
///
/// ## The contract every scheme keeps
/// 1. **Protection.** A node returned by `Guard.protect(_:slot:)` is not freed while that
///    guard is active, unless the slot is reset first (`resetProtection(slot:)`) or the
///    protection was detached (then: until the hand-off is released).
/// 2. **Exactly once.** Every retired node is freed (its deleter runs) exactly once.
///    `drain()` frees every node retired before it — after each participant that retired
///    one has flushed or left — and returns only then.
/// 3. **Nothing lost on exit.** When a participant goes away (its `deinit` unregisters it)
///    the garbage it still holds goes to the domain; `drain()` frees it.
/// 4. **Nothing blocks inside a guard.** `synchronize()`, `barrier()` and `drain()` may
///    block; called inside a guard of *any* domain on the calling thread they trap with a
///    message, because a grace period could wait for the caller itself (liburcu forbids
///    `synchronize_rcu` inside a read-side section for the same reason). Work that may
///    take long (a scan, freeing a batch, advancing an epoch) happens when the outermost
///    guard exits or in `flush()`, never inside a guard.
/// 5. **No `await` inside a guard.** The closure given to `withGuard` is synchronous: a
///    Swift task may resume on another thread after a suspension point, and every
///    thread-owned protection would then be held by the wrong thread.
/// 6. **A participant belongs to the thread that registered it** and is not `Sendable`.
///    Protections cross threads only through `Guard.detach(slot:)`, for schemes whose
///    capabilities contain `.crossThreadRelease`.
///
/// ## Speed
/// Callers are generic over `R: Reclaimer`, never `any Reclaimer` (an existential costs
/// ~50 ns per operation). Hot methods are `@inlinable` so that code in other modules is
/// specialized and inlined; slow paths are not.
public protocol Reclaimer: AnyObject, Sendable {
    /// The atomic word inside a node that points to another node.
    associatedtype Link: NodeLink & ~Copyable
    /// A registered thread. `~Copyable`, unregisters in its `deinit`.
    associatedtype Participant: ReclaimerParticipant & ~Copyable where Participant.Domain == Self
    /// A read-side critical section, valid only inside the `withGuard` closure.
    associatedtype Guard: ReclaimerGuard & ~Copyable where Guard.Domain == Self
    /// A protection moved out of a guard, releasable from any thread.
    associatedtype HandOff: ProtectionHandOff & ~Copyable = UnsupportedHandOff

    /// Id, family, reference, capabilities and node header of the scheme.
    static var descriptor: SchemeDescriptor { get }

    /// What the scheme can do: a literal in each scheme (so that specialized code folds
    /// tests of it), and the same value as `descriptor.capabilities`.
    static var capabilities: ReclaimerCapabilities { get }

    /// Bytes the scheme puts before every node's payload: a literal in each scheme, the
    /// same value as `descriptor.nodeHeaderBytes`. Allocation and free read this one, so
    /// that they never copy the descriptor (its strings cost a retain and a release each).
    static var nodeHeaderBytes: Int { get }

    /// A new domain. Fails only for schemes that need something the system may refuse
    /// (membarrier registration, say); their error says what.
    init(configuration: ReclaimerConfiguration) throws

    /// The parameters this domain was built with (recorded in every manifest).
    var configuration: ReclaimerConfiguration { get }

    /// Registers the calling thread with `slots` protection slots (a list traversal needs 3).
    func register(slots: Int) -> Participant

    /// A node whose payload holds `layout.linkCount` links (null) followed by
    /// `layout.dataBytes` uninitialized bytes. Returns the payload address: the scheme's
    /// header, if any, sits before it.
    func allocate(_ layout: NodeLayout) -> UnsafeMutableRawPointer

    /// Frees a node that was never published, or one a custom deleter is done with.
    func deallocate(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout)

    /// Frees, without blocking, what the domain holds and may free now.
    func collect()

    /// Waits until every read-side critical section (and protection) that existed when it
    /// was called has ended. Traps inside a guard, and for schemes without
    /// `.blockingSynchronize`.
    func synchronize()

    /// Waits until no protection that existed when it was called holds `node`, which the
    /// caller has unlinked (the kernel's `hazptr_synchronize`). Hazard pointers wait for
    /// that one address only, so a reader that keeps re-protecting a still-linked node
    /// cannot hold the call up; the other schemes wait for a whole grace period
    /// (`synchronize()`). Same traps as `synchronize()`.
    func synchronize(waitingFor node: UnsafeMutableRawPointer)

    /// Waits until every deferred free queued before the call has run. Traps inside a guard.
    func barrier()

    /// Frees every node retired so far (the calling thread's own participants are flushed
    /// first; other threads' must have flushed or left) and waits for readers where needed.
    /// Traps inside a guard.
    func drain()

    /// Ends a protection moved out of a guard by `Guard.detach(slot:)`, on any thread.
    func release(_ handOff: consuming HandOff)

    /// Retired, freed, pending and peak-pending counts, summed over per-thread counters.
    var statistics: ReclaimerStatistics { get }

    /// The most nodes this domain can hold pending, given who is registered now, when each
    /// guard retires at most `retiresPerGuard` nodes; nil when no bound holds (a stalled
    /// reader can make garbage grow without limit).
    func garbageBound(retiresPerGuard: Int) -> Int?
}

/// A thread registered with a domain.
public protocol ReclaimerParticipant: ~Copyable {
    associatedtype Domain: Reclaimer

    /// Runs `body` inside a read-side critical section. Guards nest. No `await` inside.
    func withGuard<Result, Failure: Error>(
        _ body: (borrowing Domain.Guard) throws(Failure) -> Result
    ) throws(Failure) -> Result

    /// Tries to free this thread's garbage now and hands what it cannot free to the domain.
    func flush()

    /// Announces a quiescent state: the thread holds no node of this domain. Workloads
    /// call it between operations; qsbr acts on every `quiescentStateInterval`-th call,
    /// the other schemes ignore it. Never inside a guard.
    func quiescentState()

    /// Runs `body` with the thread marked as holding no node, for a while that may block
    /// (sleeping between operations, waiting on a lock): qsbr takes the thread offline so
    /// it does not hold up grace periods; the other schemes just run `body`. Never inside
    /// a guard.
    func whileOffline<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result
}

extension ReclaimerParticipant where Self: ~Copyable {
    /// Schemes without an offline state just run `body`.
    @inlinable
    public func whileOffline<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        try body()
    }
}

/// A read-side critical section. Every link access of a structure goes through it.
public protocol ReclaimerGuard: ~Copyable {
    associatedtype Domain: Reclaimer

    /// Reads a link's word without protecting its node. The result may be compared (and
    /// given as a compare-exchange's `expected`), and its node dereferenced only by schemes
    /// with `.optimisticTraversal`; it cannot be stored or given as a `desired` value — the
    /// type (`LoadedWord`) refuses it, because under a counting scheme a stored word moves a
    /// count onto a node that may be freed. Protect the word to store it.
    func load(_ link: UnsafeMutablePointer<Domain.Link>, _ ordering: LinkLoadOrdering) -> LoadedWord

    /// Reads a link and protects its node in `slot` until the guard ends or the slot is
    /// reset. Returns the whole tagged word it validated: a changed mark bit is a change.
    func protect(_ link: UnsafeMutablePointer<Domain.Link>, slot: Int) -> TaggedNode

    /// Ends the protection held in `slot`.
    func resetProtection(slot: Int)

    /// Writes a link (a fresh node's links before it is published, or a root). `desired`
    /// is a protected word, a fresh node, or null — never a loaded one (`LoadedWord`).
    func store(_ link: UnsafeMutablePointer<Domain.Link>, _ desired: TaggedNode, _ ordering: LinkStoreOrdering)

    /// Compares and exchanges a link's whole tagged word. `desired` as for `store`; the
    /// `original` it read is unprotected, so it comes back as a `LoadedWord`.
    func compareExchange(
        _ link: UnsafeMutablePointer<Domain.Link>, expected: TaggedNode, desired: TaggedNode,
        _ ordering: LinkUpdateOrdering
    ) -> (exchanged: Bool, original: LoadedWord)

    /// Retires an unlinked node; the domain frees it (with `layout`'s size) once no reader
    /// can hold it.
    func retire(_ node: UnsafeMutableRawPointer, _ layout: NodeLayout)

    /// Retires an unlinked node with a custom deleter instead of the default free.
    func retire(_ node: UnsafeMutableRawPointer, deleter: NodeDeleter)

    /// Moves the protection in `slot` into a token any thread may release with
    /// `Domain.release(_:)`; the slot is free afterwards. Only for `.crossThreadRelease`.
    func detach(slot: Int) -> Domain.HandOff

    /// The guard's thread is about to sleep or block while the guard stays open (a reader
    /// that waits inside its section). Schemes whose fast-path protections sit in shared
    /// per-CPU storage move them to the thread's own storage here (hp-percpu's demote,
    /// the kernel's context-switch hook); the others do nothing. Never blocks.
    func prepareToBlock()
}

extension ReclaimerGuard where Self: ~Copyable {
    @inlinable
    public func prepareToBlock() {}
}

/// A protection moved out of a guard: `Sendable`, released once (by
/// `Reclaimer.release(_:)`) on whichever thread holds it then.
public protocol ProtectionHandOff: Sendable, ~Copyable {
    /// The protected node, as the link held it when it was protected.
    var node: TaggedNode { get }
}

/// The hand-off type of schemes that cannot release a protection on another thread.
public enum UnsupportedHandOff: ProtectionHandOff {
    public var node: TaggedNode { switch self {} }
}

extension ReclaimerGuard where Self: ~Copyable, Domain.HandOff == UnsupportedHandOff {
    public func detach(slot: Int) -> UnsupportedHandOff {
        fatalError("\(Domain.descriptor.id) cannot hand a protection to another thread (no .crossThreadRelease)")
    }
}

extension Reclaimer where HandOff == UnsupportedHandOff {
    public func release(_ handOff: consuming UnsupportedHandOff) {}
}

extension Reclaimer {
    /// A scheme written outside the package may leave this out: it reads the descriptor
    /// (correct, but a copy of it per allocation).
    @inlinable
    public static var nodeHeaderBytes: Int { descriptor.nodeHeaderBytes }

    /// A whole grace period covers any one node.
    public func synchronize(waitingFor node: UnsafeMutableRawPointer) { synchronize() }
}
