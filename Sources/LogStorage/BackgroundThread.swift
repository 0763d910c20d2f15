import NIOPosix

/// A dedicated OS thread running one long loop, joined on request. Used instead of NIOThreadPool,
/// whose shutdown waits for a Dispatch callback and stalls for about a second when Dispatch's pool
/// is saturated (as under a busy test runner or a loaded broker).
final class BackgroundThread: Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let handle: pthread_t

    /// Starts a thread running `body`; throws when the system refuses a new thread.
    init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let argument = Unmanaged.passRetained(Body(body)).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t?
        #else
        var handle = pthread_t()
        #endif
        let result = pthread_create(&handle, nil, { argument in
            #if canImport(Darwin)
            let body = Unmanaged<Body>.fromOpaque(argument).takeRetainedValue()
            #else
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            #endif
            body.run()
            return nil
        }, argument)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(argument).release()
            throw LogError.io(operation: "pthread_create", path: name, errno: result)
        }
        #if canImport(Darwin)
        self.handle = handle!
        #else
        self.handle = handle
        #endif
    }

    /// Waits for the body to return.
    func join() {
        pthread_join(handle, nil)
    }
}
