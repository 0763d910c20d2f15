import KafkaProtocol
import Logging
import NIOCore

/// Routes request frames to API handlers by api key and version, and frames their responses.
final class RequestDispatcher: Sendable {
    private struct Route: Sendable {
        let versions: ClosedRange<Int16>
        let run: @Sendable (RequestFrame, RequestContext) async throws -> Stage
    }

    private enum Stage: Sendable {
        case ready(EncodedResponse)
        case later(@Sendable () async throws -> EncodedResponse)
    }

    private let routes: [Int16: Route]
    let broker: BrokerCore
    /// The advertised (api key, versions) pairs, sorted by key.
    let supportedVersions: [(apiKey: Int16, versions: ClosedRange<Int16>)]

    init(broker: BrokerCore, handlers: [any ApiHandler]) {
        self.broker = broker
        var routes: [Int16: Route] = [:]
        for handler in handlers {
            let (key, route) = Self.route(for: handler)
            precondition(routes[key] == nil, "two handlers for api key \(key)")
            routes[key] = route
        }
        self.routes = routes
        self.supportedVersions = routes.map { ($0.key, $0.value.versions) }.sorted { $0.apiKey < $1.apiKey }
    }

    private static func route<Handler: ApiHandler>(for handler: Handler) -> (Int16, Route) {
        let apiKey = Handler.Request.apiKey.rawValue
        let route = Route(versions: handler.versions) { frame, context in
            var body = frame.body
            let request: Handler.Request
            do {
                request = try Handler.Request(from: &body, version: frame.apiVersion)
            } catch {
                throw ConnectionMustClose(reason: "malformed \(frame.apiKeyDescription) request from \(frame.clientID ?? "-"): \(error)")
            }
            let version = frame.apiVersion
            let correlationID = frame.correlationID
            let metrics = context.broker.metrics
            switch try await handler.handle(request, context: context) {
            case .now(let response):
                handler.forEachError(in: response) { metrics.recordError(apiKey: apiKey, code: $0) }
                return .ready(EncodedResponse.encode(response, version: version, correlationID: correlationID))
            case .later(let wait):
                return .later {
                    let response = try await wait()
                    handler.forEachError(in: response) { metrics.recordError(apiKey: apiKey, code: $0) }
                    return EncodedResponse.encode(response, version: version, correlationID: correlationID)
                }
            case .noResponse:
                return .ready(.none)
            }
        }
        return (apiKey, route)
    }

    private static func elapsed(since start: NIODeadline) -> Duration {
        .nanoseconds((NIODeadline.now() - start).nanoseconds)
    }

    /// Runs the request. `handled` is called once its in-order part is done (the connection may
    /// dispatch its next request then), `answered` with its response or with the error that closes
    /// the connection; each exactly once, `handled` first, both on `eventLoop`.
    ///
    /// Callbacks rather than futures: a future costs a few allocations per stage, and at one
    /// record per request (linger.ms=0) the event loop's time went to them.
    func dispatch(
        _ frame: RequestFrame, eventLoop: any EventLoop, executor: EventLoopTaskExecutor, logger: Logger,
        handled: @escaping @Sendable () -> Void, answered: @escaping @Sendable (Result<EncodedResponse, any Error>) -> Void
    ) {
        guard let route = routes[frame.rawApiKey] else {
            handled()
            answered(.failure(ConnectionMustClose(reason: "unsupported request \(frame.apiKeyDescription) from client \(frame.clientID ?? "-")")))
            return
        }
        guard route.versions.contains(frame.apiVersion) else {
            handled()
            if frame.apiKey == .apiVersions {
                // KIP-511: answer an ApiVersions request of an unknown version with v0 and the error,
                // so the client can retry with a version we speak.
                let response = ApiVersionsHandler.unsupportedVersionResponse(supported: supportedVersions)
                answered(.success(EncodedResponse.encode(response, version: 0, correlationID: frame.correlationID)))
            } else {
                answered(.failure(ConnectionMustClose(
                    reason: "client \(frame.clientID ?? "-") sent \(frame.apiKeyDescription); this broker serves versions \(route.versions)")))
            }
            return
        }
        let arrived = NIODeadline.now()
        let metrics = broker.metrics.api(frame.rawApiKey)
        metrics?.requests.increment()
        let resources = ResponseResources()
        let context = RequestContext(
            broker: broker, eventLoop: eventLoop, apiVersion: frame.apiVersion, clientID: frame.clientID, client: frame.client,
            logger: logger, supportedVersions: supportedVersions, resources: resources)
        // The task runs on the connection's event loop (its executor preference brings it back
        // there after every await), so the callbacks are called there; `onLoop` makes sure.
        func onLoop(_ body: @escaping @Sendable () -> Void) {
            if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
        }
        func answer(_ result: Result<EncodedResponse, any Error>) {
            switch result {
            case .success(let response):
                let written = resources.hasActions ? resources.releaseAll : nil
                onLoop { answered(.success(EncodedResponse(parts: response.parts, onWritten: written))) }
            case .failure(let error):
                metrics?.failed.increment()
                resources.releaseAll()
                let failure = error is ConnectionMustClose ? error : RequestFailed(request: frame.apiKeyDescription, cause: error)
                onLoop { answered(.failure(failure)) }
            }
        }
        Task(executorPreference: executor) {
            let stage: Stage
            do {
                stage = try await route.run(frame, context)
            } catch {
                onLoop(handled)
                answer(.failure(error))
                return
            }
            switch stage {
            case .ready(let response):
                let elapsed = Self.elapsed(since: arrived)
                metrics?.handlingDuration.record(elapsed)
                metrics?.duration.record(elapsed)
                onLoop(handled)
                answer(.success(response))
            case .later(let wait):
                metrics?.handlingDuration.record(Self.elapsed(since: arrived))
                // Hand back the in-order part now; the wait goes on in this same task.
                onLoop(handled)
                do {
                    answer(.success(try await wait()))
                } catch {
                    answer(.failure(error))
                }
                metrics?.duration.record(Self.elapsed(since: arrived))
            }
        }
    }
}

/// A handler failed in a way the protocol has no error code for; the connection is closed.
struct RequestFailed: Error, CustomStringConvertible {
    let request: String
    let cause: any Error
    var description: String { "unexpected error handling \(request): \(cause)" }
}
