import CReclaimSupport
import Foundation
import Reclamation
import Testing
import TestSupport

/// In an exit test's child: exits with success after `seconds` unless the process ended
/// first. A scheme that misses the guard waits for its own section forever; this turns
/// that hang into a clean exit 0, which `processExitsWith: .failure` reports as a failure.
/// It can only make a test fail, never pass.
func exitSuccessfullyIfStillRunning(after seconds: Double) {
    let watchdog = Thread {
        Thread.sleep(forTimeInterval: seconds)
        exit(0)
    }
    watchdog.start()
}

/// Blocking calls inside a guard trap with a message that says why (exit tests: each runs
/// in a child process).
@Suite(.watchdog)
struct BlockingInsideGuardTests {
    @Test("hp.synchronize() inside a guard traps")
    func hazardSynchronizeInsideGuard() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let domain = HazardPointerDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in domain.synchronize() }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("called inside a guard of a 'hp' domain"), "stderr: \(message)")
    }

    @Test("ebr.drain() inside a guard traps")
    func epochDrainInsideGuard() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let domain = EpochDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in domain.drain() }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("called inside a guard of a 'ebr' domain"), "stderr: \(message)")
    }

    @Test("a blocking call of one domain inside another domain's guard traps")
    func crossDomainBlockingInsideGuard() async {
        await #expect(processExitsWith: .failure) {
            let epochs = EpochDomain(configuration: .testing)
            let hazards = HazardPointerDomain(configuration: .testing)
            let participant = hazards.register(slots: 1)
            participant.withGuard { _ in epochs.synchronize() }
        }
    }

    /// The C libraries whose guard keeps no depth of its own (ck-epoch reads ck's `active`,
    /// urcu-memb liburcu's nesting count) still trap, nested guards included, and return
    /// once the outermost guard ended.
    // A scheme that failed to see the guard would wait for its own section: the watchdog
    // turns that hang into a failure (shown with a mutant that read the unused depth).
    @Test("ck-epoch.synchronize() inside a (nested) guard traps")
    func ckEpochSynchronizeInsideGuard() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            exitSuccessfullyIfStillRunning(after: 20)
            let domain = CKEpochDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in
                participant.withGuard { _ in }
                domain.synchronize()  // still inside the outer guard
            }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("called inside a guard of a 'ck-epoch' domain"), "stderr: \(message)")
    }

    @Test("urcu-memb.drain() inside a guard traps")
    func liburcuMembDrainInsideGuard() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            exitSuccessfullyIfStillRunning(after: 20)
            let domain = LiburcuMembDomain(configuration: .testing)
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in domain.drain() }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("called inside a guard of a 'urcu-memb' domain"), "stderr: \(message)")
    }

    @Test("after nested guards end, ck-epoch and urcu-memb block and return")
    func libraryNestingEnds() {
        let epochs = CKEpochDomain(configuration: .testing)
        let memb = LiburcuMembDomain(configuration: .testing)
        do {
            let a = epochs.register(slots: 1)
            let b = memb.register(slots: 1)
            a.withGuard { _ in a.withGuard { _ in } }
            b.withGuard { _ in b.withGuard { _ in } }
        }
        epochs.synchronize()
        memb.synchronize()
        epochs.drain()
        memb.drain()
        #expect(epochs.statistics.retired == 0 && memb.statistics.retired == 0)
    }

    @Test("outside a guard the same calls return")
    func blockingOutsideGuardReturns() {
        let domain = EpochDomain(configuration: .testing)
        do {
            let participant = domain.register(slots: 1)
            participant.withGuard { _ in }
        }
        domain.synchronize()
        domain.drain()
        let hazards = HazardPointerDomain(configuration: .testing)
        hazards.synchronize()
        hazards.drain()
        #expect(domain.statistics.retired == 0)
    }
}

/// The time limit itself can fail: a test body that spins forever (never yielding, so
/// Swift Testing's own `.timeLimit` would never stop it) is ended by the watchdog.
@Suite(.watchdog)
struct WatchdogTests {
    @Test("a test that spins past its time limit ends the run with exit 1, naming the test")
    func spinningTestIsStopped() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = WatchdogThread.shared.arm(name: "a spinning test", seconds: 1)
            // A livelock that never yields; the spin hint is an asm statement, so the release
            // build cannot delete the loop (it deleted a loop of plain arithmetic).
            while true { rs_cpu_relax() }
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("watchdog: test \"a spinning test\" ran past its 1 s time limit"), "stderr: \(message)")
    }
}
