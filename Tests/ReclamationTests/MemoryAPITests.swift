import Reclamation
import Testing
import TestSupport

@Suite(.watchdog)
struct MemoryAPITests {
    @Test("jemalloc answers and its thread counters see an allocation", .enabled(if: AllocatorStatistics.mallocIsJemalloc))
    func threadCountersMove() throws {
        let snapshot = try #require(AllocatorStatistics.snapshot())
        #expect(snapshot.allocated > 0 && snapshot.active >= snapshot.allocated && snapshot.resident > 0)
        let before = try #require(AllocatorStatistics.threadCounters())
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
        let during = try #require(AllocatorStatistics.threadCounters())
        buffer.deallocate()
        let after = try #require(AllocatorStatistics.threadCounters())
        #expect(during.allocated - before.allocated >= 1 << 16)
        #expect(after.deallocated - during.deallocated >= 1 << 16)
    }

    @Test("nodes come from the configured allocator, 16-byte aligned, links null")
    func nodesAreAlignedWithNullLinks() {
        for allocator in NodeAllocatorKind.allCases where allocator == .system || NodeAllocatorKind.isJemallocLinked {
            let domain = HazardPointerDomain(configuration: ReclaimerConfiguration(allocator: allocator))
            let layout = NodeLayout(links: 3, dataBytes: 40)
            let node = domain.allocate(layout)
            #expect(UInt(bitPattern: node) % 16 == 0)
            for index in 0..<3 { #expect(layout.link(node, index, HazardPointerDomain.self).pointee.load(.relaxed) == .null) }
            #expect(layout.allocationBytes(HazardPointerDomain.self) == 64)
            domain.deallocate(node, layout)
        }
    }

    @Test("a tagged word keeps address and mark apart")
    func taggedNode() {
        let address = UnsafeMutableRawPointer(bitPattern: 0x1000)!
        let word = TaggedNode(address).marked()
        #expect(word.node == address && word.isMarked && word.unmarked() == TaggedNode(address))
        #expect(word != TaggedNode(address))
        #expect(TaggedNode.null.isNull && !word.isNull)
    }
}
