import NIOPosix

/// A dedicated OS thread running one long loop, joined on request. Used instead of NIOThreadPool,
/// whose shutdown waits for a Dispatch callback and stalls for about a second when Dispatch's pool
/// is saturated (as under a busy test runner or a loaded broker). The thread carries `name` (cut to
/// the 15 bytes Linux keeps), so `top -H` and profilers tell the broker's threads apart.
public final class BackgroundThread: Sendable {
    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, _ run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    private let handle: pthread_t

    /// Starts a thread running `body`; throws when the system refuses a new thread.
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let argument = Unmanaged.passRetained(Body(name: name, body)).toOpaque()
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
            BackgroundThread.nameCurrentThread(body.name)
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

    /// Glibc's module does not export pthread_setname_np; Linux takes the name from this file too.
    private static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        #endif
    }

    /// Waits for the body to return.
    public func join() {
        pthread_join(handle, nil)
    }
}
