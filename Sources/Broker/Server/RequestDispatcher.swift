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

    /// Runs the in-order part of the request and returns a future of the eventual response.
    func dispatch(
        _ frame: RequestFrame, eventLoop: any EventLoop, executor: EventLoopTaskExecutor, logger: Logger
    ) -> EventLoopFuture<EventLoopFuture<EncodedResponse>> {
        guard let route = routes[frame.rawApiKey] else {
            return eventLoop.makeFailedFuture(ConnectionMustClose(reason: "unsupported request \(frame.apiKeyDescription) from client \(frame.clientID ?? "-")"))
        }
        guard route.versions.contains(frame.apiVersion) else {
            if frame.apiKey == .apiVersions {
                // KIP-511: answer an ApiVersions request of an unknown version with v0 and the error,
                // so the client can retry with a version we speak.
                let response = ApiVersionsHandler.unsupportedVersionResponse(supported: supportedVersions)
                return eventLoop.makeSucceededFuture(eventLoop.makeSucceededFuture(
                    EncodedResponse.encode(response, version: 0, correlationID: frame.correlationID)))
            }
            return eventLoop.makeFailedFuture(ConnectionMustClose(
                reason: "client \(frame.clientID ?? "-") sent \(frame.apiKeyDescription); this broker serves versions \(route.versions)"))
        }
        let arrived = NIODeadline.now()
        let metrics = broker.metrics.api(frame.rawApiKey)
        metrics?.requests.increment()
        let resources = ResponseResources()
        let context = RequestContext(
            broker: broker, eventLoop: eventLoop, apiVersion: frame.apiVersion, clientID: frame.clientID, client: frame.client,
            logger: logger, supportedVersions: supportedVersions, resources: resources)
        let promise = eventLoop.makePromise(of: EventLoopFuture<EncodedResponse>.self)
        Task(executorPreference: executor) {
            do {
                switch try await route.run(frame, context) {
                case .ready(let response):
                    let elapsed = Self.elapsed(since: arrived)
                    metrics?.handlingDuration.record(elapsed)
                    metrics?.duration.record(elapsed)
                    promise.succeed(eventLoop.makeSucceededFuture(response))
                case .later(let wait):
                    metrics?.handlingDuration.record(Self.elapsed(since: arrived))
                    // Hand back the in-order part now; the wait goes on in this same task.
                    let later = eventLoop.makePromise(of: EncodedResponse.self)
                    promise.succeed(later.futureResult)
                    do {
                        later.succeed(try await wait())
                    } catch {
                        metrics?.failed.increment()
                        later.fail(error)
                    }
                    metrics?.duration.record(Self.elapsed(since: arrived))
                }
            } catch {
                metrics?.failed.increment()
                promise.fail(error)
            }
        }
        return promise.futureResult.map { response in
            response.map { EncodedResponse(parts: $0.parts, onWritten: resources.releaseAll) }
                .flatMapErrorThrowing { error in
                    resources.releaseAll()
                    throw error
                }
        }.flatMapErrorThrowing { error in
            resources.releaseAll()
            throw error
        }
    }
}
