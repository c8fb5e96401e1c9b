import Reclamation
import Testing

/// Blocking calls inside a guard trap with a message that says why (exit tests: each runs
/// in a child process).
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
