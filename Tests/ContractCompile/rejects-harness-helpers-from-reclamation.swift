// Reclamation's public API is the protocol, the machinery and the schemes: the harness's
// helpers (threads, the mutex box, SplitMix64) live in ReclaimBenchSupport, imported by
// Reclamation internally, so a client of Reclamation alone does not see them.
// expect: cannot find 'SplitMix64' in scope
import Reclamation

func draw() -> UInt64 {
    var random = SplitMix64(seed: 1)
    return random.next()
}
