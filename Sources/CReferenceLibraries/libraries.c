// See include/CReferenceLibraries.h for what these wrap and why each lives in C.
#define _GNU_SOURCE
#include "CReferenceLibraries.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#ifndef RECLAIMBENCH_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

enum { CACHE_LINE = 64 };

static void *aligned_zeroed(size_t bytes) {
    size_t rounded = (bytes + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
    void *memory = aligned_alloc(CACHE_LINE, rounded);
    if (memory == NULL) abort();
    memset(memory, 0, rounded);
    return memory;
}

void rl_reclaim_node(void *node, size_t header_bytes, rl_deleter_function function, uintptr_t argument) {
    if (function != NULL) {
        function(node, (void *)argument);
        return;
    }
    void *base = (char *)node - header_bytes;
#ifdef RECLAIMBENCH_NO_JEMALLOC
    free(base);
#else
    if (argument & 1) free(base);
    else sdallocx(base, argument, 0);  // the size NodeAllocator allocated with mallocx
#endif
}

// MARK: - ck_epoch

_Static_assert(sizeof(rl_ck_epoch_header) == RL_CK_EPOCH_HEADER_BYTES, "ck-epoch header size");
_Static_assert(sizeof(rl_ck_epoch_header) % 16 == 0, "ck-epoch header keeps the payload 16-byte aligned");

void *rl_ck_epoch_create(void) {
    ck_epoch_t *global = aligned_zeroed(sizeof(ck_epoch_t));
    ck_epoch_init(global);
    return global;
}

void rl_ck_epoch_destroy(void *global) { free(global); }

void *rl_ck_epoch_record_create(void *global) {
    ck_epoch_record_t *record = aligned_zeroed(sizeof(ck_epoch_record_t));
    ck_epoch_register((ck_epoch_t *)global, record, NULL);
    return record;
}

void rl_ck_epoch_record_destroy(void *record) { free(record); }

size_t rl_ck_epoch_record_size(void) { return sizeof(ck_epoch_record_t); }

void rl_ck_epoch_entry_reclaim(ck_epoch_entry_t *entry) {
    rl_ck_epoch_header *header = (rl_ck_epoch_header *)entry;
    rl_reclaim_node(header + 1, sizeof *header, header->function, header->argument);
}

bool rl_ck_epoch_poll(void *record) { return ck_epoch_poll((ck_epoch_record_t *)record); }

// Called by ck each time a grace-period wait finds a reader still in an older epoch: give
// the CPU away (on an overcommitted machine that reader may be waiting for it).
static void rl_ck_epoch_wait(ck_epoch_t *global, ck_epoch_record_t *record, void *context) {
    (void)global;
    (void)record;
    (void)context;
    sched_yield();
}

void rl_ck_epoch_synchronize(void *global) { ck_epoch_synchronize_wait((ck_epoch_t *)global, rl_ck_epoch_wait, NULL); }

void rl_ck_epoch_barrier(void *record) { ck_epoch_barrier_wait((ck_epoch_record_t *)record, rl_ck_epoch_wait, NULL); }

unsigned rl_ck_epoch_record_dispatched(void *record) {
    return ck_pr_load_uint(&((ck_epoch_record_t *)record)->n_dispatch);
}

unsigned rl_ck_epoch_record_pending(void *record) {
    return ck_pr_load_uint(&((ck_epoch_record_t *)record)->n_pending);
}

unsigned rl_ck_epoch_value(void *global) { return ck_pr_load_uint(&((ck_epoch_t *)global)->epoch); }

// MARK: - ck_hp

_Static_assert(sizeof(rl_ck_hp_header) == RL_CK_HP_HEADER_BYTES, "ck-hp header size");
_Static_assert(sizeof(rl_ck_hp_header) % 16 == 0, "ck-hp header keeps the payload 16-byte aligned");

static void rl_ck_hp_destroy_node(void *data) {
    rl_ck_hp_header *header = (rl_ck_hp_header *)data - 1;
    rl_reclaim_node(data, sizeof *header, header->function, header->argument);
}

void *rl_ck_hp_create(unsigned degree, unsigned threshold) {
    ck_hp_t *global = aligned_zeroed(sizeof(ck_hp_t));
    ck_hp_init(global, degree, threshold, rl_ck_hp_destroy_node);
    return global;
}

void rl_ck_hp_destroy(void *global) { free(global); }

void *rl_ck_hp_record_create(void *global) {
    ck_hp_t *hp = global;
    ck_hp_record_t *record = aligned_zeroed(sizeof(ck_hp_record_t));
    // The hazard pointers on lines of their own: the owner writes them on every read.
    void **pointers = aligned_zeroed(sizeof(void *) * hp->degree);
    ck_hp_register(hp, record, pointers);
    return record;
}

void rl_ck_hp_record_destroy(void *record) {
    free(((ck_hp_record_t *)record)->pointers);
    free(record);
}

size_t rl_ck_hp_record_size(void) { return sizeof(ck_hp_record_t); }

void rl_ck_hp_retire(void *record, void *node, rl_deleter_function function, uintptr_t argument) {
    rl_ck_hp_header *header = (rl_ck_hp_header *)node - 1;
    header->function = function;
    header->argument = argument;
    ck_hp_retire((ck_hp_record_t *)record, &header->hazard, node, node);
}

void rl_ck_hp_reclaim(void *record) {
    // ORDERING[CKHP-E1]: pairs with ck_hp_set_fence's xchg in the reader. The unlink of
    // every pending node precedes this fence, the hazard loads of ck_hp_reclaim follow it:
    // either the reader's publication is seen, or its re-validation sees the unlink.
    ck_pr_fence_memory();
    ck_hp_reclaim((ck_hp_record_t *)record);
}

unsigned rl_ck_hp_record_pending(void *record) {
    return ck_pr_load_uint(&((ck_hp_record_t *)record)->n_pending);
}

uint64_t rl_ck_hp_record_reclaimed(void *record) {
    return ck_pr_load_64(&((ck_hp_record_t *)record)->n_reclamations);
}

unsigned rl_ck_hp_record_peak(void *record) { return ck_pr_load_uint(&((ck_hp_record_t *)record)->n_peak); }

// MARK: - liburcu

_Static_assert(sizeof(rl_urcu_header) == RL_URCU_HEADER_BYTES, "liburcu header size");
_Static_assert(sizeof(rl_urcu_header) % 16 == 0, "liburcu header keeps the payload 16-byte aligned");

void rl_urcu_head_reclaim(struct rcu_head *head) {
    rl_urcu_header *header = (rl_urcu_header *)head;
    uint64_t *freed = header->freed;
    rl_reclaim_node(header + 1, sizeof *header, header->function, header->argument);
    // Callbacks run on liburcu's call_rcu thread; relaxed: a statistic read by others.
    __atomic_fetch_add(freed, 1, __ATOMIC_RELAXED);
}

uint64_t *rl_counter_create(void) { return aligned_zeroed(sizeof(uint64_t)); }

void rl_counter_destroy(uint64_t *counter) { free(counter); }

uint64_t rl_counter_read(const uint64_t *counter) { return __atomic_load_n(counter, __ATOMIC_RELAXED); }

// Owner-only: how many participants this thread holds in each flavor.
static __thread unsigned qsbr_registrations, memb_registrations;

void rl_urcu_qsbr_register(void) {
    if (qsbr_registrations++ == 0) urcu_qsbr_register_thread();
}

void rl_urcu_qsbr_unregister(void) {
    if (--qsbr_registrations == 0) urcu_qsbr_unregister_thread();
}

void rl_urcu_memb_register(void) {
    if (memb_registrations++ == 0) urcu_memb_register_thread();
}

void rl_urcu_memb_unregister(void) {
    if (--memb_registrations == 0) urcu_memb_unregister_thread();
}

void rl_urcu_qsbr_synchronize(void) { urcu_qsbr_synchronize_rcu(); }
void rl_urcu_qsbr_barrier(void) { urcu_qsbr_barrier(); }
void rl_urcu_memb_synchronize(void) { urcu_memb_synchronize_rcu(); }
void rl_urcu_memb_barrier(void) { urcu_memb_barrier(); }

int rl_urcu_memb_has_sys_membarrier(void) { return urcu_memb_has_sys_membarrier; }
