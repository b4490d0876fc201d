#pragma once

// Clang's thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html),
// checked by the clang builds (-Wthread-safety, warnings are errors: make build-tsan) and no-ops
// for other compilers. Shared state names its lock (GUARDED_BY); a function that expects a lock
// held says REQUIRES, one that takes it says EXCLUDES. The standard library's mutexes carry no
// annotations in libstdc++: use common/mutex.h, whose types do.

#if defined(__clang__)
#define COGSYNC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define COGSYNC_THREAD_ANNOTATION(x)
#endif

// A type that is a lock (a capability), or a scoped object that holds one.
#define CAPABILITY(x) COGSYNC_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY COGSYNC_THREAD_ANNOTATION(scoped_lockable)

// Data: read and written only with the lock held (PT_: the data a pointer points to).
#define GUARDED_BY(x) COGSYNC_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) COGSYNC_THREAD_ANNOTATION(pt_guarded_by(x))

// Lock order.
#define ACQUIRED_BEFORE(...) COGSYNC_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) COGSYNC_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))

// Functions: called with the lock held (exclusively or shared), or without it.
#define REQUIRES(...) COGSYNC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) COGSYNC_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) COGSYNC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// Functions that take or give up a lock.
#define ACQUIRE(...) COGSYNC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) COGSYNC_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) COGSYNC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) COGSYNC_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) COGSYNC_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) COGSYNC_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) COGSYNC_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) COGSYNC_THREAD_ANNOTATION(lock_returned(x))

// Turns the analysis off for one function; say why beside it.
#define NO_THREAD_SAFETY_ANALYSIS COGSYNC_THREAD_ANNOTATION(no_thread_safety_analysis)
