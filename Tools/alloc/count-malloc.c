/* An LD_PRELOAD allocation counter. Every malloc-family call made while counting is on adds
 * one to a process-wide counter; the program under test finds `hazlab_alloc_count` and
 * `hazlab_alloc_counting` with dlsym and reads the counter around the code it measures
 * (`hazlab-bench allocations`). Memory comes from glibc's own __libc_* allocators. */
#include <stddef.h>
#include <stdint.h>
#include <errno.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static volatile uint64_t allocations;
static volatile int counting;

uint64_t hazlab_alloc_count(void) { return __atomic_load_n(&allocations, __ATOMIC_SEQ_CST); }
void hazlab_alloc_counting(int on) { __atomic_store_n(&counting, on, __ATOMIC_SEQ_CST); }

static inline void note(void) {
    if (__atomic_load_n(&counting, __ATOMIC_RELAXED)) __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t n) { note(); return __libc_malloc(n); }
void *calloc(size_t k, size_t n) { note(); return __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { note(); return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    note();
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
