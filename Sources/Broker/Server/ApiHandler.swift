import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One Kafka API, served in the versions it lists. A handler decodes nothing and encodes nothing:
/// it gets the request as a generated type and returns the generated response.
protocol ApiHandler: Sendable {
    associatedtype Request: KafkaRequest
    /// The versions this broker implements fully; only these are advertised in ApiVersions.
    var versions: ClosedRange<Int16> { get }
    func handle(_ request: Request, context: RequestContext) async throws -> HandlerOutcome<Request.Response>
    /// Calls `body` with each error code in `response` (for metrics); by default none.
    func forEachError(in response: Request.Response, _ body: (ErrorCode) -> Void)
}

extension ApiHandler {
    var apiKey: Int16 { Request.apiKey.rawValue }

    func forEachError(in response: Request.Response, _ body: (ErrorCode) -> Void) {}
}

/// A handler's answer: now, or after waiting (fsync for acks=all, data for a long-polling fetch).
/// The part before `later` runs in request order on the connection; the wait does not block the
/// requests behind it.
enum HandlerOutcome<Response: Sendable>: Sendable {
    case now(Response)
    case later(@Sendable () async throws -> Response)
    /// The protocol's one request without a response: Produce with acks=0.
    case noResponse
}

/// What a handler knows about the request beyond its body.
struct RequestContext: Sendable {
    let broker: BrokerCore
    /// The connection's event loop, on which the handler's task runs.
    let eventLoop: any EventLoop
    let apiVersion: Int16
    let clientID: String?
    let client: ClientConnection
    let logger: Logger
    /// What ApiVersions advertises: every routed api key with the versions its handler serves.
    let supportedVersions: [(apiKey: Int16, versions: ClosedRange<Int16>)]
    /// Things to release once the response is on the wire (file handles behind sendfile regions).
    let resources: ResponseResources
}

/// Cleanup a response owes after it has been written, collected while the handler builds it.
final class ResponseResources: Sendable {
    private let actions = NIOLockedValueBox<[@Sendable () -> Void]>([])

    func releaseAfterWrite(_ action: @escaping @Sendable () -> Void) {
        actions.withLockedValue { $0.append(action) }
    }

    /// Whether anything waits for the response to be written.
    var hasActions: Bool {
        actions.withLockedValue { !$0.isEmpty }
    }

    func releaseAll() {
        let pending = actions.withLockedValue { value in
            defer { value = [] }
            return value
        }
        for action in pending { action() }
    }
}
