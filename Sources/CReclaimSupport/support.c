// See include/CReclaimSupport.h for why each of these lives in C.
#define _GNU_SOURCE
#include "CReclaimSupport.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef RECLAIMBENCH_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

int rs_sched_getcpu(void) { return sched_getcpu(); }

long rs_gettid(void) { return (long)syscall(SYS_gettid); }

long rs_configured_cpus(void) { return sysconf(_SC_NPROCESSORS_CONF); }

long rs_online_cpus(void) { return sysconf(_SC_NPROCESSORS_ONLN); }

int rs_pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int rs_set_timer_slack_ns(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) == 0 ? 0 : errno;
}

int rs_membarrier_register_private_expedited(void) {
    long r = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
    return r == 0 ? 0 : -errno;
}

int rs_membarrier_private_expedited(void) {
    long r = syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    return r == 0 ? 0 : -errno;
}

#ifdef RECLAIMBENCH_NO_JEMALLOC
// Built without jemalloc (sanitizer runs): every statistic is unavailable.
int rs_jemalloc_refresh(void) { return ENOENT; }
int rs_jemalloc_read_size(const char *name, size_t *value) { (void)name; (void)value; return ENOENT; }
int rs_jemalloc_read_u64(const char *name, uint64_t *value) { (void)name; (void)value; return ENOENT; }
int rs_jemalloc_thread_counters(uint64_t *allocated, uint64_t *deallocated) {
    (void)allocated; (void)deallocated; return ENOENT;
}
const char *rs_jemalloc_version(void) { return NULL; }
#else
int rs_jemalloc_refresh(void) {
    uint64_t epoch = 1;
    // Writing `epoch` refreshes the stats snapshot; no old value wanted (NULL).
    return mallctl("epoch", NULL, NULL, &epoch, sizeof epoch);
}

int rs_jemalloc_read_size(const char *name, size_t *value) {
    size_t length = sizeof *value;
    return mallctl(name, value, &length, NULL, 0);
}

int rs_jemalloc_read_u64(const char *name, uint64_t *value) {
    size_t length = sizeof *value;
    return mallctl(name, value, &length, NULL, 0);
}

int rs_jemalloc_thread_counters(uint64_t *allocated, uint64_t *deallocated) {
    int result = rs_jemalloc_read_u64("thread.allocated", allocated);
    if (result != 0) return result;
    return rs_jemalloc_read_u64("thread.deallocated", deallocated);
}

const char *rs_jemalloc_version(void) {
    const char *version = NULL;
    size_t length = sizeof version;
    if (mallctl("version", &version, &length, NULL, 0) != 0) return NULL;
    return version;
}

#endif

const char *rs_malloc_conf_environment(void) { return getenv("MALLOC_CONF"); }

int rs_malloc_is_jemalloc(void) {
    // jemalloc's thread.allocated counts this thread's malloc calls; if malloc went
    // elsewhere (glibc, a sanitizer), the counter does not move.
    uint64_t before = 0, after = 0;
    if (rs_jemalloc_read_u64("thread.allocated", &before) != 0) return 0;
    void *volatile p = malloc(4096);
    rs_jemalloc_read_u64("thread.allocated", &after);
    free(p);
    return after > before;
}

static volatile sig_atomic_t interrupted_by = 0;

static void record_interrupt(int signal_number) { interrupted_by = signal_number; }

void rs_install_interrupt_handlers(void) {
    struct sigaction action;
    action.sa_handler = record_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a blocking wait for the child returns EINTR
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

int rs_interrupted(void) { return interrupted_by; }

static _Thread_local void *participant_chain = NULL;

void *rs_thread_participant_chain(void) { return participant_chain; }

void rs_set_thread_participant_chain(void *head) { participant_chain = head; }

static __thread uint64_t stress_random_state;
static __thread void *stress_store_buffer;
uint64_t *rs_stress_random_state(void) { return &stress_random_state; }
void *rs_stress_store_buffer(void) { return stress_store_buffer; }
void rs_set_stress_store_buffer(void *buffer) { stress_store_buffer = buffer; }
