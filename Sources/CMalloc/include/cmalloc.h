#ifndef LOGPORT_CMALLOC_H
#define LOGPORT_CMALLOC_H

// glibc's mallopt, which the Glibc module does not export (malloc.h is not in its module map).
#if defined(__linux__)
#include <malloc.h>

static inline int logport_set_malloc_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
static inline int logport_set_malloc_trim_threshold(int bytes) { return mallopt(M_TRIM_THRESHOLD, bytes); }
static inline int logport_set_malloc_arena_max(int arenas) { return mallopt(M_ARENA_MAX, arenas); }
#endif

#endif
