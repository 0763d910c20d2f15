import Foundation
import Logging
import MetricsEndpoint

/// Starts a role's `/metrics` and `/health` endpoint when it was asked for, and announces where
/// (stdout, as the roles announce their main listener): `logport <role> metrics on HOST:PORT`.
enum RoleMetricsEndpoint {
    static func start(
        role: String, host: String, port: Int, renderers: [MetricsRenderer], health: @escaping @Sendable () async -> RoleHealth,
        logger: Logger
    ) async throws -> RunningMetricsEndpoint {
        let running = try await MetricsEndpoint(host: host, port: port, renderers: renderers, health: health, logger: logger).start()
        logger.info("metrics on http://\(host):\(running.port)/metrics, health on /health")
        FileHandle.standardOutput.write(Data("logport \(role) metrics on \(host):\(running.port)\n".utf8))
        return running
    }
}
