extension RetiredNode {
    /// The deleter's argument as the C libraries' node headers carry it (CReferenceLibraries'
    /// `rl_reclaim_node`): a custom deleter's context as is; for the default free, the
    /// allocation's bytes with bit 0 set when the node came from the system allocator
    /// (sizes are multiples of 16, so the bit is free). `allocatorBit` is 1 or 0.
    @inlinable
    func libraryArgument(_ allocatorBit: UInt) -> UInt {
        function == nil ? argument | allocatorBit : argument
    }
}
