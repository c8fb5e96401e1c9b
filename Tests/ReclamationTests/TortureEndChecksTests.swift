import ReclaimBenchKit
import ReclaimTorture
import Reclamation
import Testing
import TestSupport

/// The torture test's end-of-run and progress checks, shown able to fail with the planted
/// schemes of this target (whose base keeps every retired node until drain()): a scheme
/// that drops a leaving thread's garbage leaves objects out of the pool, one that frees
/// twice in drain() is a double free, and a writer whose pool cannot refill is reported as
/// starved. The control (a fault torture does not look at) passes. Outcomes follow from
/// the schemes' logic (nothing comes back before drain()), not from timing.
@Suite(.watchdog, .serialized)
struct TortureEndChecksTests {
    static func options(duration: Double, statInterval: Double = 0) -> TortureOptions {
        var options = TortureOptions()
        options.readers = 2
        options.durationSeconds = duration
        options.statIntervalSeconds = statInterval
        options.plantedBudgetReplacements = 0
        return options
    }

    @Test("a scheme that drops a leaving thread's garbage fails: objects or carriers never come back")
    func dropsGarbage() throws {
        let report = try Torture.run(PlantedDomain<DropsGarbageOnExit>.self, options: Self.options(duration: 0.3), planted: true)
        #expect(report.failure?.kind == .leaked, "\(report.render())")
        #expect(report.objectsInPoolAtEnd < report.objects || report.carriersFreed < report.carriersMade)
    }

    @Test("a scheme that frees twice in drain() fails: double free")
    func freesTwice() throws {
        let report = try Torture.run(PlantedDomain<FreesTwiceInDrain>.self, options: Self.options(duration: 0.3), planted: true)
        #expect(report.failure?.kind == .doubleFree, "\(report.render())")
    }

    @Test("a writer whose pool cannot refill before drain() is reported as starved")
    func starvedWriter() throws {
        // The pool holds 100 objects; none returns until drain(). A 0.2 s stat interval
        // with no replacement fails the run long before the 60 s bound.
        let report = try Torture.run(PlantedDomain<AllocatesOnRead>.self, options: Self.options(duration: 60, statInterval: 0.2), planted: true)
        #expect(report.failure?.kind == .writerStarved, "\(report.render())")
        // The first object is published before the writer starts; it replaces the rest.
        #expect(report.replacements == report.objects - 1)
    }

    @Test("control: the same base with a fault torture does not look at passes, every object back in the pool")
    func control() throws {
        let report = try Torture.run(PlantedDomain<AllocatesOnRead>.self, options: Self.options(duration: 0.3), planted: true)
        #expect(report.success, "\(report.render())")
        #expect(report.objectsInPoolAtEnd == report.objects)
        #expect(report.carriersMade == report.carriersFreed)
    }
}
