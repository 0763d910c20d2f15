#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Runs `iteration` over and over on its own OS thread, never on the Swift cooperative pool, for the
/// librdkafka calls that block while they wait for events. `stop()` returns once the loop has exited.
final class PollThread: Sendable {
    private let running = NIOLockedValueBox(true)
    private let exited = DispatchSemaphore(value: 0)

    /// `iteration` gets this object, so it can ask `isRunning` while it waits inside an iteration.
    /// `name` names the thread in `top -H` and /proc, which take at most 15 bytes (a longer name
    /// is silently not set, and the thread then shows its creator's name).
    init(name: String, iteration: @escaping @Sendable (PollThread) -> Void) {
        precondition(name.utf8.count <= 15, "thread name \(name) is longer than Linux allows")
        let thread = Thread { [self] in
            Self.nameCurrentThread(name)
            while isRunning { iteration(self) }
            exited.signal()
        }
        thread.start()
    }

    var isRunning: Bool { running.withLockedValue { $0 } }

    /// Foundation's `Thread.name` does not reach the OS thread on Linux, and Swift does not see
    /// glibc's pthread_setname_np; the thread's `comm` file is what that function writes.
    private static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        _ = name.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
        #else
        pthread_setname_np(name)
        #endif
    }

    /// Ends the loop after the current iteration and waits for it; later calls return at once.
    func stop() {
        let wasRunning = running.withLockedValue { running in
            defer { running = false }
            return running
        }
        if wasRunning { exited.wait() }
    }
}
