import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// One piece of Prometheus text exposition (0.0.4): a role's registry, or a status rendered at
/// scrape time. Several renderers make one `/metrics` page.
public typealias MetricsRenderer = @Sendable () async -> String

/// The HTTP endpoint every role can serve beside its main work: `GET /metrics` (the renderers'
/// text, concatenated in order) and `GET /health` (200 with a small JSON object while the role
/// serves, 503 with the same object while it starts or stops). Nothing else is served.
public struct MetricsEndpoint: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public let host: String
    public let port: Int
    private let renderers: [MetricsRenderer]
    private let health: @Sendable () async -> RoleHealth
    private let logger: Logger

    /// `port` 0 picks a free port; `start()` tells which.
    public init(
        host: String, port: Int, renderers: [MetricsRenderer], health: @escaping @Sendable () async -> RoleHealth,
        logger: Logger = Logger(label: "logport.metrics")
    ) {
        self.host = host
        self.port = port
        self.renderers = renderers
        self.health = health
        self.logger = logger
    }

    /// The two routes, for a server of their own or to add beside other routes.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        let renderers = self.renderers
        let health = self.health
        router.get("/metrics") { _, _ in
            var text = ""
            for render in renderers { text += await render() }
            return Self.reply(text, contentType: Self.contentType)
        }
        router.get("/health") { _, _ in
            let report = await health()
            return Self.reply(Self.json(report), contentType: "application/json; charset=utf-8", status: report.isServing ? .ok : .serviceUnavailable)
        }
    }

    /// Binds and serves in the background until `stop()`; fails if the address cannot be bound.
    public func start() async throws -> RunningMetricsEndpoint {
        let router = Router()
        register(on: router)
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "logport-metrics"),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? 0)
                boundContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: logger))
        let serving = Task {
            defer { boundContinuation.finish() }
            try await group.run()
        }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next() else {
            do {
                try await serving.value
            } catch {
                throw MetricsEndpointError("cannot serve metrics on \(host):\(port): \(error)")
            }
            throw MetricsEndpointError("cannot serve metrics on \(host):\(port): the HTTP server stopped at once")
        }
        return RunningMetricsEndpoint(port: port, group: group, serving: serving)
    }

    static func json(_ report: RoleHealth) -> String {
        var fields = report.details
        fields["status"] = report.status.rawValue
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(fields)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"status":"\#(report.status.rawValue)"}"#
    }

    private static func reply(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A serving metrics endpoint; `stop()` closes it.
public struct RunningMetricsEndpoint: Sendable {
    /// The bound port (the one chosen when 0 was asked).
    public let port: Int
    fileprivate let group: ServiceGroup
    fileprivate let serving: Task<Void, any Error>

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await serving.value
    }
}

/// The endpoint could not be served, naming the address.
public struct MetricsEndpointError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
