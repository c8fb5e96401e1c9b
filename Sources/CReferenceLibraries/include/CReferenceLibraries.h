// CReferenceLibraries: the C libraries ReclaimBench calibrates its Swift schemes against,
// behind wrappers Swift can call. Debian's liburcu-dev 0.13 (the qsbr and memb flavors,
// call_rcu, rcu_barrier) and libck-dev 0.7 (ck_epoch, ck_hp).
//
// Each library keeps its own algorithm: the read side below is the library's own inline
// code (liburcu with _LGPL_SOURCE; ck's headers are inline already), reclamation is the
// library's (call_rcu and its worker thread; ck_epoch_call/poll/barrier; ck_hp_retire/
// reclaim at ck's threshold). The wrappers add only what the Reclaimer protocol needs:
// where a node keeps its library entry and its deleter (a header before the payload), and
// who counts what.
//
// Pitfalls met on the way (README, "C reference backends"):
//  - liburcu's generic names (rcu_read_lock, call_rcu, synchronize_rcu, …) are macros that
//    map to one flavor and are cleared at the end of each flavor's header: with two
//    flavors in one program, call the prefixed functions (urcu_qsbr_*, urcu_memb_*). The
//    libraries need explicit linker settings (Package.swift): liburcu-qsbr, liburcu-memb
//    and liburcu-common, and ck.
//  - ck's records (ck_epoch_record_t, ck_hp_record_t) and liburcu's reader state are
//    declared __attribute__((aligned)): Swift's importer silently drops such structs. Swift
//    sees only opaque pointers, the sizes below and these accessors.
//  - ck_epoch_unregister and ck_hp_unregister drop a record's pending callbacks: records
//    here are registered once and kept by the domain, garbage and all, when a thread
//    leaves (the next thread to register inherits them, or the domain drains them).
//  - ck_hp_reclaim reads the hazard pointers without a fence of its own (ck relies on the
//    unlinking CAS being a full barrier on x86): rl_ck_hp_reclaim fences first, so a
//    structure that unlinks with a plain store is safe too.
#ifndef CREFERENCELIBRARIES_H
#define CREFERENCELIBRARIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE 1  // liburcu: inline the read side and the quiescent state
#endif
#include <urcu/urcu-qsbr.h>
#include <urcu/urcu-memb.h>
#include <ck_epoch.h>
#include <ck_hp.h>

#ifdef __cplusplus
extern "C" {
#endif

// urcu/call-rcu.h declares call_rcu and rcu_barrier under the generic names, mapped to the
// flavor whose header comes first, and its include guard keeps the second flavor's
// mapping out: the memb flavor's own symbols are declared here (liburcu-memb exports them).
void urcu_memb_call_rcu(struct rcu_head *_Nonnull head, void (*_Nonnull func)(struct rcu_head *_Nonnull head));
void urcu_memb_barrier(void);

/// A node's deleter, as the Reclaimer protocol's NodeDeleter: `function` NULL means the
/// default free, with `argument` = the allocation's bytes, plus 1 when it came from the
/// system malloc rather than jemalloc (sizes are multiples of 16, so bit 0 is free).
typedef void (*rl_deleter_function)(void *_Nonnull node, void *_Nullable context);

/// Runs a node's deleter or frees its allocation (which starts `header_bytes` before it).
void rl_reclaim_node(void *_Nonnull node, size_t header_bytes, rl_deleter_function _Nullable function,
                     uintptr_t argument);

// MARK: - ck_epoch

/// Header before a ck-epoch node: ck's intrusive entry, then the deleter.
typedef struct rl_ck_epoch_header {
    ck_epoch_entry_t entry;
    rl_deleter_function _Nullable function;
    uintptr_t argument;
} rl_ck_epoch_header;

enum { RL_CK_EPOCH_HEADER_BYTES = 32 };

/// A ck_epoch_t on its own cache line, initialized; free with rl_ck_epoch_destroy.
void *_Nonnull rl_ck_epoch_create(void);
void rl_ck_epoch_destroy(void *_Nonnull global);
/// A record (cache-line aligned, ck_epoch_register'ed once, never unregistered).
void *_Nonnull rl_ck_epoch_record_create(void *_Nonnull global);
void rl_ck_epoch_record_destroy(void *_Nonnull record);
size_t rl_ck_epoch_record_size(void);

/// The entry ck calls once a node's grace period has passed (rl_reclaim_node).
void rl_ck_epoch_entry_reclaim(ck_epoch_entry_t *_Nonnull entry);

static inline void rl_ck_epoch_begin(void *_Nonnull record) {
    ck_epoch_begin((ck_epoch_record_t *)record, NULL);
}

/// Ends a section; true when it was the outermost (ck keeps the nesting in `active`).
static inline bool rl_ck_epoch_end(void *_Nonnull record) {
    return ck_epoch_end((ck_epoch_record_t *)record, NULL);
}

/// ck's nesting count of a record's sections (0: outside every section).
static inline unsigned rl_ck_epoch_record_active(void *_Nonnull record) {
    return ck_pr_load_uint(&((ck_epoch_record_t *)record)->active);
}

/// Writes the header and defers the node with ck_epoch_call (owner thread only).
static inline void rl_ck_epoch_retire(void *_Nonnull record, void *_Nonnull node,
                                      rl_deleter_function _Nullable function, uintptr_t argument) {
    rl_ck_epoch_header *header = (rl_ck_epoch_header *)node - 1;
    header->function = function;
    header->argument = argument;
    ck_epoch_call((ck_epoch_record_t *)record, &header->entry, rl_ck_epoch_entry_reclaim);
}

/// ck_epoch_poll: non-blocking; dispatches what is safe, tries one epoch advance.
bool rl_ck_epoch_poll(void *_Nonnull record);
/// ck_epoch_synchronize_wait with a waiting callback that yields the CPU.
void rl_ck_epoch_synchronize(void *_Nonnull global);
/// ck_epoch_barrier_wait (synchronize, then dispatch every callback of the record).
void rl_ck_epoch_barrier(void *_Nonnull record);
/// ck's own counters of a record (relaxed reads; statistics).
unsigned rl_ck_epoch_record_dispatched(void *_Nonnull record);
unsigned rl_ck_epoch_record_pending(void *_Nonnull record);
unsigned rl_ck_epoch_value(void *_Nonnull global);

// MARK: - ck_hp

/// Header before a ck-hp node: ck's hazard entry (retire-list link), then the deleter.
typedef struct rl_ck_hp_header {
    ck_hp_hazard_t hazard;
    rl_deleter_function _Nullable function;
    uintptr_t argument;
    uintptr_t padding;  // keeps the payload 16-byte aligned
} rl_ck_hp_header;

enum { RL_CK_HP_HEADER_BYTES = 48 };

/// A ck_hp_t with `degree` hazard pointers per record and ck's reclaim threshold.
void *_Nonnull rl_ck_hp_create(unsigned degree, unsigned threshold);
void rl_ck_hp_destroy(void *_Nonnull global);
/// A record and its hazard-pointer array (registered once, never unregistered).
void *_Nonnull rl_ck_hp_record_create(void *_Nonnull global);
void rl_ck_hp_record_destroy(void *_Nonnull record);
size_t rl_ck_hp_record_size(void);

/// Publishes `pointer` in hazard slot `slot`, with the full fence (ck_hp_set_fence: an
/// xchg on x86).
static inline void rl_ck_hp_set_fence(void *_Nonnull record, unsigned slot, void *_Nullable pointer) {
    ck_hp_set_fence((ck_hp_record_t *)record, slot, pointer);
}

/// Clears hazard slot `slot` (ck_hp_set: a store behind a compiler barrier; on x86 a store
/// is not reordered with the loads before it).
static inline void rl_ck_hp_clear(void *_Nonnull record, unsigned slot) {
    ck_hp_set((ck_hp_record_t *)record, slot, NULL);
}

/// The pointer in hazard slot `slot` (owner: its own slot).
static inline void *_Nullable rl_ck_hp_get(void *_Nonnull record, unsigned slot) {
    return ck_pr_load_ptr(&((ck_hp_record_t *)record)->pointers[slot]);
}

/// Writes the header and adds the node to the record's pending list (ck_hp_retire).
void rl_ck_hp_retire(void *_Nonnull record, void *_Nonnull node, rl_deleter_function _Nullable function,
                     uintptr_t argument);

/// True once the record holds ck's threshold of pending nodes (when ck_hp_free reclaims).
static inline bool rl_ck_hp_reclaim_due(void *_Nonnull record) {
    ck_hp_record_t *r = (ck_hp_record_t *)record;
    return r->n_pending >= r->global->threshold;
}

/// A full fence, then ck_hp_reclaim: frees every pending node no hazard pointer holds.
void rl_ck_hp_reclaim(void *_Nonnull record);
unsigned rl_ck_hp_record_pending(void *_Nonnull record);
uint64_t rl_ck_hp_record_reclaimed(void *_Nonnull record);
unsigned rl_ck_hp_record_peak(void *_Nonnull record);

// MARK: - liburcu (qsbr and memb flavors)

/// Header before a liburcu node: the rcu_head call_rcu queues, the deleter, and the
/// domain's freed counter (callbacks run on liburcu's call_rcu thread).
typedef struct rl_urcu_header {
    struct rcu_head head;
    rl_deleter_function _Nullable function;
    uintptr_t argument;
    uint64_t *_Nonnull freed;
    uintptr_t padding;  // keeps the payload 16-byte aligned
} rl_urcu_header;

enum { RL_URCU_HEADER_BYTES = 48 };

/// The callback call_rcu runs (rl_reclaim_node, then counts the node freed).
void rl_urcu_head_reclaim(struct rcu_head *_Nonnull head);

/// A zeroed 64-bit counter on its own cache line, for the callbacks to count frees.
uint64_t *_Nonnull rl_counter_create(void);
void rl_counter_destroy(uint64_t *_Nonnull counter);
/// Relaxed read of a counter.
uint64_t rl_counter_read(const uint64_t *_Nonnull counter);

static inline void rl_urcu_header_write(void *_Nonnull node, rl_deleter_function _Nullable function,
                                        uintptr_t argument, uint64_t *_Nonnull freed) {
    rl_urcu_header *header = (rl_urcu_header *)node - 1;
    header->function = function;
    header->argument = argument;
    header->freed = freed;
}

/// Registration is per thread in liburcu, per domain here: these count a thread's
/// participants and register it with the flavor on the first, unregister on the last.
void rl_urcu_qsbr_register(void);
void rl_urcu_qsbr_unregister(void);
void rl_urcu_memb_register(void);
void rl_urcu_memb_unregister(void);

static inline void rl_urcu_qsbr_read_lock(void) { urcu_qsbr_read_lock(); }
static inline void rl_urcu_qsbr_read_unlock(void) { urcu_qsbr_read_unlock(); }
static inline void rl_urcu_qsbr_quiescent_state(void) { urcu_qsbr_quiescent_state(); }
static inline void rl_urcu_qsbr_thread_offline(void) { urcu_qsbr_thread_offline(); }
static inline void rl_urcu_qsbr_thread_online(void) { urcu_qsbr_thread_online(); }

static inline void rl_urcu_qsbr_retire(void *_Nonnull node, rl_deleter_function _Nullable function,
                                       uintptr_t argument, uint64_t *_Nonnull freed) {
    rl_urcu_header_write(node, function, argument, freed);
    urcu_qsbr_call_rcu(&((rl_urcu_header *)node - 1)->head, rl_urcu_head_reclaim);
}

void rl_urcu_qsbr_synchronize(void);
void rl_urcu_qsbr_barrier(void);

static inline void rl_urcu_memb_read_lock(void) { urcu_memb_read_lock(); }
static inline void rl_urcu_memb_read_unlock(void) { urcu_memb_read_unlock(); }
/// Nonzero while the calling thread is in a memb read-side section (liburcu's nesting
/// count; per thread, whatever the domain).
static inline int rl_urcu_memb_read_ongoing(void) { return urcu_memb_read_ongoing(); }

static inline void rl_urcu_memb_retire(void *_Nonnull node, rl_deleter_function _Nullable function,
                                       uintptr_t argument, uint64_t *_Nonnull freed) {
    rl_urcu_header_write(node, function, argument, freed);
    urcu_memb_call_rcu(&((rl_urcu_header *)node - 1)->head, rl_urcu_head_reclaim);
}

void rl_urcu_memb_synchronize(void);
void rl_urcu_memb_barrier(void);
/// 1 when liburcu's memb flavor found sys_membarrier (its read side is then a compiler
/// barrier and synchronize_rcu pays a membarrier); 0 when its readers fence instead.
int rl_urcu_memb_has_sys_membarrier(void);

// MARK: - The standalone C harness (calibration.c)

/// What the C harness runs: the read-mostly slot-table cell with one of these.
enum {
    RL_C_NONE = 0,
    RL_C_CK_EPOCH = 1,
    RL_C_CK_HP = 2,
    RL_C_URCU_QSBR = 3,
    RL_C_URCU_MEMB = 4,
};

enum { RL_C_WRITER_NONE = 0, RL_C_WRITER_PACED = 1, RL_C_WRITER_MAX_RATE = 2 };

/// The phases, as the Swift cells' (CellHarnessPhase).
enum { RL_C_PHASE_WAITING = 0, RL_C_PHASE_WARMUP = 1, RL_C_PHASE_MEASURING = 2, RL_C_PHASE_STOPPED = 3 };

/// A cell's read work (`--read-work`, refscale's readdelay in kind): `rounds` dependent
/// mixing steps (xor-shift, multiply: ~1.3 ns each here) on the value a read returned, done
/// after the read's section ends, by the Swift cells and the C harness alike. A ratio to
/// `none` depends on how much a loop does besides the guard; this sets that amount.
static inline uint64_t rl_read_work(uint64_t value, unsigned rounds) {
    for (unsigned k = 0; k < rounds; k++) value = (value ^ (value >> 31)) * UINT64_C(0xbf58476d1ce4e5b9);
    return value;
}

typedef struct rl_c_cell_spec {
    int scheme;
    int readers;
    int writer;
    unsigned writer_period_us;
    uint64_t seed;
    unsigned slots;
    /// qsbr: a quiescent state every n-th read (the Swift schemes' qs_interval).
    unsigned quiescent_state_interval;
    /// ck-epoch: ck_epoch_poll every n retires (the Swift schemes' bag_capacity).
    unsigned poll_every;
    /// ck-hp: ck's reclaim threshold (retire_scan_threshold) and degree.
    unsigned reclaim_threshold;
    unsigned hazard_pointers;
    int system_allocator;
    /// Dependent mixing rounds on each read's value after its section (rl_read_work).
    unsigned read_work;
    /// Sampled read latencies of the window (ns), split evenly among the readers.
    uint64_t *_Nullable latency_samples;
    size_t latency_capacity;
} rl_c_cell_spec;

typedef struct rl_c_cell_result {
    uint64_t reads, updates, checksum;
    double writer_cpu_seconds;
    /// Samples written, from the start of the buffer.
    size_t latency_count;
    /// Retired and not freed once every thread left; the time to free them.
    uint64_t pending_at_end;
    double drain_milliseconds;
} rl_c_cell_result;

typedef struct rl_c_cell rl_c_cell;

/// Builds the table and the scheme, starts the threads and returns once each has
/// registered and waits for the warm-up; NULL for a spec it cannot run.
rl_c_cell *_Nullable rl_c_cell_start(const rl_c_cell_spec *_Nonnull spec);
/// Moves every thread to `phase` (RL_C_PHASE_*), at their next batch.
void rl_c_cell_set_phase(rl_c_cell *_Nonnull cell, int phase);
/// Stops and joins the threads, measures the backlog and the drain, frees everything.
void rl_c_cell_finish(rl_c_cell *_Nonnull cell, rl_c_cell_result *_Nonnull result);

#ifdef __cplusplus
}
#endif
#endif
