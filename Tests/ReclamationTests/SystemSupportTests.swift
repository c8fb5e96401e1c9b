import CReclaimSupport
import ReclaimBenchSupport
import Reclamation
import Synchronization
import Testing
import TestSupport

/// The C support target answers sensibly on this machine.
@Suite(.watchdog)
struct SystemSupportTests {
    @Test("sched_getcpu names a configured CPU")
    func currentCPU() {
        let cpu = rs_sched_getcpu()
        #expect(cpu >= 0 && cpu < rs_configured_cpus(), "cpu \(cpu) of \(rs_configured_cpus()) configured")
        #expect(rs_online_cpus() >= 1 && rs_online_cpus() <= rs_configured_cpus())
    }

    @Test("membarrier registers and runs, or says why not")
    func membarrier() {
        let registered = rs_membarrier_register_private_expedited()
        // 0, or a negative errno (a kernel without it: -EINVAL; seccomp: -EPERM/-ENOSYS).
        #expect(registered <= 0)
        if registered == 0 { #expect(rs_membarrier_private_expedited() == 0) }
    }

    @Test("a thread gets its own id; pinning to CPU 0 works (on a thread of its own)")
    func threadIdentityAndAffinity() {
        let results = Locked<(tid: Int, pinned: Int32, cpu: Int32, slack: Int32)>((0, -1, -1, -1))
        JoinableThread {
            let pinned = rs_pin_to_cpu(0)
            let outcome = (rs_gettid(), pinned, rs_sched_getcpu(), rs_set_timer_slack_ns(1))
            results.withLock { $0 = outcome }
        }.join()
        let (tid, pinned, cpu, slack) = results.withLock { $0 }
        #expect(tid > 0 && tid != rs_gettid())
        #expect(pinned == 0 && cpu == 0)
        #expect(slack == 0)
    }
}
