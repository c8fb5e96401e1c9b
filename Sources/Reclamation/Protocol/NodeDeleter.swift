/// What runs when a retired node may be freed, instead of the default free.
///
/// A C function pointer and a context word, so that a retire entry stays three words and
/// no closure is allocated or retained per node. The function receives the node's payload
/// address and the context; it may free the node with `Reclaimer.deallocate(_:_:)`, pool
/// it, or poison it (the torture test and the conformance suite do).
@frozen
public struct NodeDeleter: @unchecked Sendable {
    // SAFETY: a C function pointer and an opaque context; whoever builds a deleter makes
    // its context safe to use from whichever thread frees the node.
    public typealias Function = @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer?) -> Void

    public let function: Function
    public let context: UnsafeMutableRawPointer?

    @inlinable
    public init(_ function: Function, context: UnsafeMutableRawPointer?) {
        self.function = function
        self.context = context
    }
}

/// One retired node waiting to be freed: its payload address and either a custom deleter
/// (function + context) or, when `function` is nil, the allocation size for the default free.
@usableFromInline
@frozen
struct RetiredNode {
    @usableFromInline let node: UnsafeMutableRawPointer
    @usableFromInline let function: NodeDeleter.Function?
    @usableFromInline let argument: UInt

    @inlinable
    init(node: UnsafeMutableRawPointer, allocationBytes: Int) {
        self.node = node
        self.function = nil
        self.argument = UInt(allocationBytes)
    }

    @inlinable
    init(node: UnsafeMutableRawPointer, deleter: NodeDeleter) {
        self.node = node
        self.function = deleter.function
        self.argument = UInt(bitPattern: deleter.context)
    }

    /// Runs the deleter, or frees the allocation that starts `headerBytes` before the node.
    @usableFromInline
    func reclaim(headerBytes: Int, allocator: NodeAllocator) {
        if let function {
            function(node, UnsafeMutableRawPointer(bitPattern: argument))
        } else {
            allocator.free(node - headerBytes, bytes: Int(argument))
        }
    }
}
