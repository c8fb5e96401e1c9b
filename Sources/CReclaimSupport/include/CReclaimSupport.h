// CReclaimSupport: the handful of things Swift cannot reach on Glibc. Nothing else lives in C.
//  - sched_getcpu, gettid, CPU affinity, timer slack (not visible or variadic from Swift)
//  - membarrier (syscall is variadic, so Swift cannot call it)
//  - a compiler-only fence and a spin-wait hint (static inline, so Swift inlines them)
//  - jemalloc mallctl readers (string-keyed, awkward from Swift)
//  - one thread-local word: the chain of this thread's participant records, read only on
//    slow paths (the guard-depth check of blocking calls), never on a read path; and, for
//    the stress build only (StressModel.swift), two more: an injection generator's state
//    and the thread's modelled store buffer.
#ifndef CRECLAIMSUPPORT_H
#define CRECLAIMSUPPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Compiler-only barrier: orders nothing in hardware, stops the compiler moving memory
/// accesses across it. The read side of asymmetric fences (hp-asym, rcu).
static inline void rs_compiler_barrier(void) { __asm__ __volatile__("" ::: "memory"); }

/// Spin-wait hint (x86 `pause`, Arm `yield`).
static inline void rs_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/// The CPU this thread ran on a moment ago (a hint: it may migrate right after), or -1.
int rs_sched_getcpu(void);
/// The kernel thread id of the caller.
long rs_gettid(void);
/// Number of configured (not just online) processors.
long rs_configured_cpus(void);
/// Number of online processors.
long rs_online_cpus(void);
/// Pins the calling thread to one CPU; 0 on success, an errno value otherwise.
int rs_pin_to_cpu(int cpu);
/// Sets the calling thread's timer slack (prctl PR_SET_TIMERSLACK); 0 on success.
int rs_set_timer_slack_ns(unsigned long nanoseconds);

/// membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED); 0 on success, -errno otherwise.
int rs_membarrier_register_private_expedited(void);
/// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): a full fence on every CPU running a thread
/// of this process. 0 on success, -errno otherwise.
int rs_membarrier_private_expedited(void);

/// Refreshes jemalloc's statistics snapshot (`epoch`); 0 on success, an errno otherwise.
int rs_jemalloc_refresh(void);
/// Reads a size_t statistic such as "stats.allocated"; 0 on success.
int rs_jemalloc_read_size(const char *name, size_t *value);
/// Reads a uint64_t statistic such as "thread.allocated"; 0 on success.
int rs_jemalloc_read_u64(const char *name, uint64_t *value);
/// The calling thread's lifetime allocated and deallocated bytes (jemalloc's
/// thread.allocated / thread.deallocated), read without allocating; 0 on success.
int rs_jemalloc_thread_counters(uint64_t *allocated, uint64_t *deallocated);
/// jemalloc's version string, or NULL when jemalloc is not answering mallctl.
const char *rs_jemalloc_version(void);
/// jemalloc's compiled-in and run-time configuration string ("opt.*" is not one string;
/// this returns the MALLOC_CONF environment value or NULL).
const char *rs_malloc_conf_environment(void);
/// 1 when the process-wide `malloc` is jemalloc's (the unprefixed build replaced glibc's).
int rs_malloc_is_jemalloc(void);

/// Installs SIGINT/SIGTERM handlers that only record the signal (async-signal-safe);
/// the runner polls `rs_interrupted()` between cells.
void rs_install_interrupt_handlers(void);
/// The signal that interrupted the process, or 0.
int rs_interrupted(void);

/// The head of this thread's chain of participant records (opaque; owned by Swift).
void *rs_thread_participant_chain(void);
void rs_set_thread_participant_chain(void *head);

/// Stress build: this thread's injection generator state (0 until seeded).
uint64_t *rs_stress_random_state(void);
/// Stress build: this thread's modelled store buffer (opaque; owned by Swift), or NULL.
void *rs_stress_store_buffer(void);
void rs_set_stress_store_buffer(void *buffer);

#ifdef __cplusplus
}
#endif
#endif
