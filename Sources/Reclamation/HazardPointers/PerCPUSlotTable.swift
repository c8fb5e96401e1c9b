import Synchronization

import CReclaimSupport

/// The per-CPU hazard-pointer slots of an `hp-percpu` domain: `slotsPerCPU` (4) one-word
/// slots per configured CPU, one 64-byte line per CPU (the rest of the line is padding, so
/// CPUs never share a line). A slot holds 0 (free) or the address a participant protects;
/// the participant whose CAS moved it from 0 owns it until it stores 0 again, and only
/// the owner ever writes an owned slot.
@usableFromInline
final class PerCPUSlotTable: @unchecked Sendable {
    // SAFETY: the memory is allocated once and freed with the table; every access to a
    // slot goes through its atomic.
    @inlinable static var slotsPerCPU: Int { 4 }
    @inlinable static var lineBytes: Int { 64 }

    @usableFromInline let cpus: Int
    @usableFromInline let base: UnsafeMutableRawPointer

    /// One line per configured processor (not per online one: a CPU brought online later
    /// still has its line).
    init() {
        cpus = max(1, rs_configured_cpus())
        base = CacheAlignedMemory.allocate(bytes: cpus * Self.lineBytes)
        for index in 0..<(cpus * Self.slotsPerCPU) { (slot(index)).initialize(to: Atomic(0)) }
    }

    deinit { CacheAlignedMemory.free(base) }

    var slotCount: Int { cpus * Self.slotsPerCPU }

    /// Slot `index` of the whole table (line `index / 4`, word `index % 4`).
    @inlinable
    func slot(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt>> {
        (base + (index / Self.slotsPerCPU) * Self.lineBytes + (index % Self.slotsPerCPU) * 8)
            .assumingMemoryBound(to: Atomic<UInt>.self)
    }

    /// True when `pointer` is one of this table's slots (not a backup or hand-off slot).
    @inlinable
    func contains(_ pointer: UnsafeMutablePointer<Atomic<UInt>>) -> Bool {
        let address = UnsafeMutableRawPointer(pointer)
        return address >= base && address < base + cpus * Self.lineBytes
    }
}
