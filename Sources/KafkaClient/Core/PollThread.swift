import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Runs `iteration` over and over on its own OS thread, never on the Swift cooperative pool, for the
/// librdkafka calls that block while they wait for events. `stop()` returns once the loop has exited.
final class PollThread: Sendable {
    private let running = NIOLockedValueBox(true)
    private let exited = DispatchSemaphore(value: 0)

    /// `iteration` gets this object, so it can ask `isRunning` while it waits inside an iteration.
    init(name: String, iteration: @escaping @Sendable (PollThread) -> Void) {
        let thread = Thread { [self] in
            while isRunning { iteration(self) }
            exited.signal()
        }
        thread.name = name
        thread.start()
    }

    var isRunning: Bool { running.withLockedValue { $0 } }

    /// Ends the loop after the current iteration and waits for it; later calls return at once.
    func stop() {
        let wasRunning = running.withLockedValue { running in
            defer { running = false }
            return running
        }
        if wasRunning { exited.wait() }
    }
}
