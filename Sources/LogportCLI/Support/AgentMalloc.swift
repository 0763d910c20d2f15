#if os(Linux)
import CMalloc
#endif

/// glibc malloc settings for the agent, whose threads (librdkafka's, the Swift pool's) take and
/// free large short-lived buffers for every message set: compression contexts, message sets,
/// compressed output.
///
/// glibc's defaults let each of up to 8 arenas per core keep up to twice the largest block freed
/// (its mmap threshold rises with every larger free, its trim threshold with it). Fixed at 4 MiB
/// (above a zstd context, so those still come from the heap and cost no page faults) and with two
/// arenas, the agent's peak RSS in benchmarks/agent_vs_rsyslog.py drops by ~1.5 MiB at the same CPU
/// (a 128 KiB threshold saved 1 MiB more but cost 0.4 CPU s per million lines in page faults).
/// `MALLOC_*` environment variables still win: this runs only when none is set.
enum AgentMalloc {
    static func configure(environment: [String: String]) {
        #if os(Linux)
        guard !environment.keys.contains(where: { $0.hasPrefix("MALLOC_") }) else { return }
        _ = logport_set_malloc_mmap_threshold(4 << 20)
        _ = logport_set_malloc_trim_threshold(4 << 20)
        _ = logport_set_malloc_arena_max(2)
        #endif
    }
}
