// The standalone C harness: the read-mostly slot-table cell written in C against the C
// libraries directly (no Reclaimer protocol, no Swift), so that a C library's ratio to
// `none` through the Swift cell can be checked against its ratio here, in the same run.
//
// It mirrors the Swift cell (Sources/ReclaimBenchKit/Runner/CellLoops.swift and
// CellExecution.slotTable) operation for operation: a table of `slots` links to nodes of
// the scheme's header + 8 bytes of value, allocated with mallocx like NodeAllocator's;
// readers draw one SplitMix64 per read (index by Lemire's multiply-shift), sample one read
// in ~1000 with the same geometric countdown, check the phase once per 64 reads and
// announce a quiescent state after each read (qsbr); the writer protects, CASes a fresh
// node in, retires the old one with the library (ck-epoch: ck_epoch_call and a poll every
// `poll_every` retires; ck-hp: ck_hp_retire and a fenced ck_hp_reclaim at ck's threshold;
// liburcu: call_rcu; none: kept until the end), paced to an absolute deadline or at full
// speed. The Swift side runs the window (phases, timing, rusage): only the threads' loops
// differ between the two harnesses.
#define _GNU_SOURCE
#include "CReferenceLibraries.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#ifndef RECLAIMBENCH_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

enum { BATCH = 64 };

struct rl_c_cell;

typedef struct worker {
    struct rl_c_cell *cell;
    pthread_t thread;
    int index;  // readers 0..<readers; the writer is `readers`
    ck_epoch_record_t *epoch_record;
    ck_hp_record_t *hp_record;
    uint64_t reads, updates, retired, checksum, writer_cpu_ns;
    uint64_t *samples;
    size_t sample_capacity, sample_count;
    // none: the writer keeps every node it replaced until the end.
    void **kept;
    size_t kept_count, kept_capacity;
} worker;

struct rl_c_cell {
    rl_c_cell_spec spec;
    _Atomic int phase;
    _Atomic int ready;
    void *_Atomic *table;
    size_t header_bytes, node_bytes;
    uintptr_t allocator_bit;
    ck_epoch_t *epoch;
    ck_hp_t *hp;
    uint64_t *urcu_freed;
    uint64_t retired;
    worker *workers;
    int worker_count;
};

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t thread_cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// SplitMix64, as Reclamation's SplitMix64.
static inline uint64_t splitmix_next(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The geometric latency sampler, as CellHarness's LatencySampler (mean 1000).
typedef struct sampler {
    uint64_t state;
    long countdown;
} sampler;

static long sampler_next(sampler *s) {
    double uniform = (double)((splitmix_next(&s->state) >> 11) | 1) / 9007199254740992.0;
    double value = ceil(log(uniform) / log(1.0 - 1.0 / 1000.0));
    return value < 1 ? 1 : (long)value;
}

static void sampler_init(sampler *s, uint64_t seed) {
    s->state = seed ^ 0x1A7ECC7ull;
    s->countdown = sampler_next(s);
}

static inline int sampler_due(sampler *s) {
    if (--s->countdown > 0) return 0;
    s->countdown = sampler_next(s);
    return 1;
}

static void *node_allocate(struct rl_c_cell *cell, uint64_t value) {
#ifdef RECLAIMBENCH_NO_JEMALLOC
    char *base = malloc(cell->node_bytes);
#else
    char *base = cell->allocator_bit ? malloc(cell->node_bytes) : mallocx(cell->node_bytes, 0);
#endif
    if (base == NULL) abort();
    void *node = base + cell->header_bytes;
    *(uint64_t *)node = value;
    return node;
}

static void node_free(struct rl_c_cell *cell, void *node) {
    rl_reclaim_node(node, cell->header_bytes, NULL, cell->node_bytes | cell->allocator_bit);
}

static inline void *load_acquire(void *_Atomic *slot) { return atomic_load_explicit(slot, memory_order_acquire); }

// One read: the library's read side around an acquire load of the slot and a load of the
// node's value. `scheme` is a constant in each instantiation below.
static inline __attribute__((always_inline)) uint64_t read_slot(worker *w, void *_Atomic *slot, const int scheme) {
    uint64_t value = 0;
    switch (scheme) {
    case RL_C_NONE:
        value = *(uint64_t *)load_acquire(slot);
        break;
    case RL_C_CK_EPOCH:
        ck_epoch_begin(w->epoch_record, NULL);
        value = *(uint64_t *)load_acquire(slot);
        ck_epoch_end(w->epoch_record, NULL);
        break;
    case RL_C_CK_HP: {
        void *node = atomic_load_explicit(slot, memory_order_relaxed);
        for (;;) {
            ck_hp_set_fence(w->hp_record, 0, node);
            void *again = load_acquire(slot);
            if (again == node) break;
            node = again;
        }
        value = *(uint64_t *)node;
        ck_hp_set(w->hp_record, 0, NULL);
        break;
    }
    case RL_C_URCU_QSBR:
        urcu_qsbr_read_lock();
        value = *(uint64_t *)load_acquire(slot);
        urcu_qsbr_read_unlock();
        break;
    case RL_C_URCU_MEMB:
        urcu_memb_read_lock();
        value = *(uint64_t *)load_acquire(slot);
        urcu_memb_read_unlock();
        break;
    }
    return value;
}

static inline __attribute__((always_inline)) void reader_loop(worker *w, const int scheme) {
    struct rl_c_cell *cell = w->cell;
    uint64_t state = cell->spec.seed + (uint64_t)w->index * 7919u;
    sampler timing;
    sampler_init(&timing, state);
    const uint64_t slots = cell->spec.slots;
    const unsigned interval = cell->spec.quiescent_state_interval;
    const unsigned work = cell->spec.read_work;
    unsigned countdown = interval;
    uint64_t checksum = 0, reads = 0;
    for (;;) {
        int phase = atomic_load_explicit(&cell->phase, memory_order_relaxed);
        if (phase == RL_C_PHASE_STOPPED) break;
        int measuring = phase == RL_C_PHASE_MEASURING;
        for (int k = 0; k < BATCH; k++) {
            void *_Atomic *slot = &cell->table[((splitmix_next(&state) >> 32) * slots) >> 32];
            if (sampler_due(&timing)) {
                uint64_t start = now_ns();
                uint64_t value = read_slot(w, slot, scheme);
                uint64_t elapsed = now_ns() - start;
                checksum += rl_read_work(value, work);
                if (measuring && w->sample_count < w->sample_capacity) w->samples[w->sample_count++] = elapsed;
            } else {
                checksum += rl_read_work(read_slot(w, slot, scheme), work);
            }
            if (scheme == RL_C_URCU_QSBR && --countdown == 0) {
                countdown = interval;
                urcu_qsbr_quiescent_state();
            }
        }
        if (measuring) reads += BATCH;
    }
    w->reads = reads;
    w->checksum = checksum;
}

static void keep(worker *w, void *node) {
    if (w->kept_count == w->kept_capacity) {
        w->kept_capacity = w->kept_capacity ? 2 * w->kept_capacity : 4096;
        w->kept = realloc(w->kept, w->kept_capacity * sizeof(void *));
        if (w->kept == NULL) abort();
    }
    w->kept[w->kept_count++] = node;
}

// One update: protect the slot's node, CAS a fresh node in, read the old value, retire the
// old node — as SlotTable.update does through the protocol.
static inline __attribute__((always_inline)) void update_slot(worker *w, void *_Atomic *slot, uint64_t value,
                                                               unsigned *since_poll, const int scheme) {
    struct rl_c_cell *cell = w->cell;
    void *fresh = node_allocate(cell, value);
    void *expected;
    switch (scheme) {
    case RL_C_CK_EPOCH: ck_epoch_begin(w->epoch_record, NULL); break;
    case RL_C_URCU_QSBR: urcu_qsbr_read_lock(); break;
    case RL_C_URCU_MEMB: urcu_memb_read_lock(); break;
    default: break;
    }
    for (;;) {
        if (scheme == RL_C_CK_HP) {
            expected = atomic_load_explicit(slot, memory_order_relaxed);
            for (;;) {
                ck_hp_set_fence(w->hp_record, 0, expected);
                void *again = load_acquire(slot);
                if (again == expected) break;
                expected = again;
            }
        } else {
            expected = load_acquire(slot);
        }
        void *seen = expected;
        if (atomic_compare_exchange_strong_explicit(slot, &seen, fresh, memory_order_acq_rel, memory_order_acquire)) break;
    }
    w->checksum += *(uint64_t *)expected;
    w->retired++;
    switch (scheme) {
    case RL_C_NONE:
        keep(w, expected);
        break;
    case RL_C_CK_EPOCH: {
        rl_ck_epoch_header *header = (rl_ck_epoch_header *)expected - 1;
        header->function = NULL;
        header->argument = cell->node_bytes | cell->allocator_bit;
        ck_epoch_call(w->epoch_record, &header->entry, rl_ck_epoch_entry_reclaim);
        ck_epoch_end(w->epoch_record, NULL);
        if (++*since_poll >= cell->spec.poll_every) {
            *since_poll = 0;
            ck_epoch_poll(w->epoch_record);
        }
        break;
    }
    case RL_C_CK_HP:
        ck_hp_set(w->hp_record, 0, NULL);
        rl_ck_hp_retire(w->hp_record, expected, NULL, cell->node_bytes | cell->allocator_bit);
        if (rl_ck_hp_reclaim_due(w->hp_record)) rl_ck_hp_reclaim(w->hp_record);
        break;
    case RL_C_URCU_QSBR:
        urcu_qsbr_read_unlock();
        rl_urcu_qsbr_retire(expected, NULL, cell->node_bytes | cell->allocator_bit, cell->urcu_freed);
        break;
    case RL_C_URCU_MEMB:
        rl_urcu_memb_retire(expected, NULL, cell->node_bytes | cell->allocator_bit, cell->urcu_freed);
        urcu_memb_read_unlock();
        break;
    }
}

static inline __attribute__((always_inline)) void writer_loop(worker *w, const int scheme) {
    struct rl_c_cell *cell = w->cell;
    const int paced = cell->spec.writer == RL_C_WRITER_PACED;
    if (paced) prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    uint64_t state = cell->spec.seed ^ 0x3A17E5ull;
    const uint64_t slots = cell->spec.slots;
    const uint64_t period = (uint64_t)cell->spec.writer_period_us * 1000u;
    const unsigned interval = cell->spec.quiescent_state_interval;
    unsigned countdown = interval, since_poll = 0;
    uint64_t updates = 0, cpu_start = 0, deadline = now_ns();
    int counting_cpu = 0;
    for (;;) {
        int phase = atomic_load_explicit(&cell->phase, memory_order_relaxed);
        if (phase == RL_C_PHASE_STOPPED) break;
        int measuring = phase == RL_C_PHASE_MEASURING;
        if (measuring && !counting_cpu) {
            counting_cpu = 1;
            cpu_start = thread_cpu_ns();
        }
        void *_Atomic *slot = &cell->table[((splitmix_next(&state) >> 32) * slots) >> 32];
        update_slot(w, slot, updates, &since_poll, scheme);
        if (scheme == RL_C_URCU_QSBR && --countdown == 0) {
            countdown = interval;
            urcu_qsbr_quiescent_state();
        }
        if (measuring) updates++;
        if (paced) {
            deadline += period;
            if (now_ns() < deadline) {
                struct timespec until = {(time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u)};
                if (scheme == RL_C_URCU_QSBR) urcu_qsbr_thread_offline();
                while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {}
                if (scheme == RL_C_URCU_QSBR) urcu_qsbr_thread_online();
            }
        }
    }
    w->updates = updates;
    w->writer_cpu_ns = counting_cpu ? thread_cpu_ns() - cpu_start : 0;
}

// One instantiation per scheme, so that each loop is specialized as the Swift cells are.
#define RL_LOOPS(scheme)                                                         \
    static void reader_loop_##scheme(worker *w) { reader_loop(w, scheme); }       \
    static void writer_loop_##scheme(worker *w) { writer_loop(w, scheme); }
RL_LOOPS(RL_C_NONE)
RL_LOOPS(RL_C_CK_EPOCH)
RL_LOOPS(RL_C_CK_HP)
RL_LOOPS(RL_C_URCU_QSBR)
RL_LOOPS(RL_C_URCU_MEMB)

static void *worker_main(void *argument) {
    worker *w = argument;
    struct rl_c_cell *cell = w->cell;
    int scheme = cell->spec.scheme;
    if (scheme == RL_C_URCU_QSBR) urcu_qsbr_register_thread();
    if (scheme == RL_C_URCU_MEMB) urcu_memb_register_thread();
    atomic_fetch_add_explicit(&cell->ready, 1, memory_order_release);
    while (atomic_load_explicit(&cell->phase, memory_order_acquire) == RL_C_PHASE_WAITING) sched_yield();
    int writer = w->index == cell->spec.readers;
    switch (scheme) {
    case RL_C_NONE: writer ? writer_loop_RL_C_NONE(w) : reader_loop_RL_C_NONE(w); break;
    case RL_C_CK_EPOCH: writer ? writer_loop_RL_C_CK_EPOCH(w) : reader_loop_RL_C_CK_EPOCH(w); break;
    case RL_C_CK_HP: writer ? writer_loop_RL_C_CK_HP(w) : reader_loop_RL_C_CK_HP(w); break;
    case RL_C_URCU_QSBR: writer ? writer_loop_RL_C_URCU_QSBR(w) : reader_loop_RL_C_URCU_QSBR(w); break;
    case RL_C_URCU_MEMB: writer ? writer_loop_RL_C_URCU_MEMB(w) : reader_loop_RL_C_URCU_MEMB(w); break;
    }
    if (scheme == RL_C_URCU_QSBR) urcu_qsbr_unregister_thread();
    if (scheme == RL_C_URCU_MEMB) urcu_memb_unregister_thread();
    return NULL;
}

static size_t header_bytes(int scheme) {
    switch (scheme) {
    case RL_C_CK_EPOCH: return RL_CK_EPOCH_HEADER_BYTES;
    case RL_C_CK_HP: return RL_CK_HP_HEADER_BYTES;
    case RL_C_URCU_QSBR:
    case RL_C_URCU_MEMB: return RL_URCU_HEADER_BYTES;
    default: return 0;
    }
}

rl_c_cell *rl_c_cell_start(const rl_c_cell_spec *spec) {
    if (spec->scheme < RL_C_NONE || spec->scheme > RL_C_URCU_MEMB || spec->readers < 0 || spec->slots == 0
        || spec->quiescent_state_interval == 0 || spec->poll_every == 0 || spec->reclaim_threshold == 0
        || spec->hazard_pointers == 0)
        return NULL;
    struct rl_c_cell *cell = calloc(1, sizeof *cell);
    if (cell == NULL) abort();
    cell->spec = *spec;
    atomic_init(&cell->phase, RL_C_PHASE_WAITING);
    atomic_init(&cell->ready, 0);
    cell->header_bytes = header_bytes(spec->scheme);
    cell->node_bytes = (cell->header_bytes + sizeof(uint64_t) + 15) & ~(size_t)15;  // NodeLayout's rounding
    cell->allocator_bit = spec->system_allocator ? 1 : 0;
    cell->table = aligned_alloc(64, ((spec->slots * sizeof(void *)) + 63) & ~(size_t)63);
    if (cell->table == NULL) abort();
    for (unsigned i = 0; i < spec->slots; i++) atomic_init(&cell->table[i], node_allocate(cell, i));
    if (spec->scheme == RL_C_CK_EPOCH) cell->epoch = rl_ck_epoch_create();
    if (spec->scheme == RL_C_CK_HP) cell->hp = rl_ck_hp_create(spec->hazard_pointers, spec->reclaim_threshold);
    if (spec->scheme == RL_C_URCU_QSBR || spec->scheme == RL_C_URCU_MEMB) cell->urcu_freed = rl_counter_create();
    cell->worker_count = spec->readers + (spec->writer != RL_C_WRITER_NONE ? 1 : 0);
    cell->workers = calloc((size_t)cell->worker_count, sizeof(worker));
    if (cell->workers == NULL) abort();
    size_t per_reader = spec->readers > 0 ? spec->latency_capacity / (size_t)spec->readers : 0;
    for (int i = 0; i < cell->worker_count; i++) {
        worker *w = &cell->workers[i];
        w->cell = cell;
        w->index = i;
        if (cell->epoch) w->epoch_record = rl_ck_epoch_record_create(cell->epoch);
        if (cell->hp) w->hp_record = rl_ck_hp_record_create(cell->hp);
        if (i < spec->readers) {
            w->samples = spec->latency_samples + (size_t)i * per_reader;
            w->sample_capacity = per_reader;
        }
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) abort();
    }
    while (atomic_load_explicit(&cell->ready, memory_order_acquire) < cell->worker_count) sched_yield();
    return cell;
}

void rl_c_cell_set_phase(rl_c_cell *cell, int phase) {
    atomic_store_explicit(&cell->phase, phase, memory_order_release);
}

void rl_c_cell_finish(rl_c_cell *cell, rl_c_cell_result *result) {
    rl_c_cell_set_phase(cell, RL_C_PHASE_STOPPED);
    memset(result, 0, sizeof *result);
    uint64_t retired = 0;
    for (int i = 0; i < cell->worker_count; i++) {
        worker *w = &cell->workers[i];
        pthread_join(w->thread, NULL);
        result->reads += w->reads;
        result->updates += w->updates;
        result->checksum += w->checksum;
        result->writer_cpu_seconds += (double)w->writer_cpu_ns / 1e9;
        // Compact the readers' samples to the front of the buffer.
        if (w->sample_count > 0) {
            memmove(cell->spec.latency_samples + result->latency_count, w->samples, w->sample_count * sizeof(uint64_t));
            result->latency_count += w->sample_count;
        }
        retired += w->retired;
    }
    // Backlog when every thread has left, then the time to free it.
    uint64_t pending = 0;
    for (int i = 0; i < cell->worker_count; i++) {
        worker *w = &cell->workers[i];
        if (w->epoch_record) pending += rl_ck_epoch_record_pending(w->epoch_record);
        if (w->hp_record) pending += rl_ck_hp_record_pending(w->hp_record);
        pending += w->kept_count;
    }
    if (cell->urcu_freed) {
        uint64_t freed = rl_counter_read(cell->urcu_freed);
        pending = retired > freed ? retired - freed : 0;
    }
    uint64_t drain_start = now_ns();
    for (int i = 0; i < cell->worker_count; i++) {
        worker *w = &cell->workers[i];
        if (w->epoch_record) rl_ck_epoch_barrier(w->epoch_record);
        if (w->hp_record) rl_ck_hp_reclaim(w->hp_record);  // no hazard pointer is set any more
        for (size_t k = 0; k < w->kept_count; k++) node_free(cell, w->kept[k]);
    }
    if (cell->urcu_freed) {
        if (cell->spec.scheme == RL_C_URCU_QSBR) urcu_qsbr_barrier(); else urcu_memb_barrier();
    }
    result->drain_milliseconds = (double)(now_ns() - drain_start) / 1e6;
    result->pending_at_end = pending;
    // Teardown: no thread is left, every retired node is freed; free the table's nodes.
    for (unsigned i = 0; i < cell->spec.slots; i++) node_free(cell, atomic_load_explicit(&cell->table[i], memory_order_relaxed));
    for (int i = 0; i < cell->worker_count; i++) {
        worker *w = &cell->workers[i];
        if (w->epoch_record) rl_ck_epoch_record_destroy(w->epoch_record);
        if (w->hp_record) rl_ck_hp_record_destroy(w->hp_record);
        free(w->kept);
    }
    if (cell->epoch) rl_ck_epoch_destroy(cell->epoch);
    if (cell->hp) rl_ck_hp_destroy(cell->hp);
    if (cell->urcu_freed) rl_counter_destroy(cell->urcu_freed);
    free(cell->table);
    free(cell->workers);
    free(cell);
}
