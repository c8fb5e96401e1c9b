import Reclamation
#if canImport(Glibc)
import Glibc
#endif

/// Retire→free timing for the cells that measure it (and only those: a clock read costs
/// ~30 ns, ten times a read). A structure built with one writes the retire time into each
/// node's payload at `stampOffset` (bytes into the node's data) and retires the node with
/// `deleter`, which reads the time again when the node is freed.
@frozen
public struct RetireTiming: Sendable {
    public let deleter: NodeDeleter
    public let stampOffset: Int

    public init(deleter: NodeDeleter, stampOffset: Int) {
        self.deleter = deleter
        self.stampOffset = stampOffset
    }

    /// Stamps `node` (whose data starts at `data`) and retires it with the timing deleter.
    @inlinable
    public func retire<R: Reclaimer>(_ node: UnsafeMutableRawPointer, data: UnsafeMutableRawPointer, in guardian: borrowing R.Guard, _ scheme: R.Type) {
        (data + stampOffset).storeBytes(of: Self.now(), as: UInt64.self)
        guardian.retire(node, deleter: deleter)
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    @inlinable
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
