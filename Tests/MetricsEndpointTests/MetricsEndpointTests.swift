import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MetricsEndpoint
import NIOConcurrencyHelpers
import Testing

@Suite struct MetricsEndpointTests {
    private func get(_ uri: String, from endpoint: MetricsEndpoint) async throws -> (HTTPResponse.Status, String, String?) {
        let router = Router()
        endpoint.register(on: router)
        return try await Application(router: router).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                (response.status, String(buffer: response.body), response.headers[.contentType])
            }
        }
    }

    @Test func metricsConcatenatesTheRenderersInOrder() async throws {
        let endpoint = MetricsEndpoint(
            host: "127.0.0.1", port: 0, renderers: [{ "a_total 1\n" }, { "b_total 2\n" }], health: { RoleHealth(status: .serving) })
        let (status, body, contentType) = try await get("/metrics", from: endpoint)
        #expect(status == .ok)
        #expect(body == "a_total 1\nb_total 2\n")
        #expect(contentType == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func healthIs200WhileServingAnd503Otherwise() async throws {
        let state = RoleState(details: ["role": "broker"])
        let endpoint = MetricsEndpoint(host: "127.0.0.1", port: 0, renderers: [], health: { state.health })
        #expect(try await get("/health", from: endpoint) == (.serviceUnavailable, #"{"role":"broker","status":"starting"}"#, "application/json; charset=utf-8"))
        state.set(.serving)
        #expect(try await get("/health", from: endpoint).0 == .ok)
        #expect(try await get("/health", from: endpoint).1 == #"{"role":"broker","status":"serving"}"#)
        state.set(.stopping)
        #expect(try await get("/health", from: endpoint).0 == .serviceUnavailable)
    }

    @Test func servesOnAFreePortUntilStopped() async throws {
        let endpoint = MetricsEndpoint(host: "127.0.0.1", port: 0, renderers: [{ "x 1\n" }], health: { RoleHealth(status: .serving) })
        let running = try await endpoint.start()
        #expect(running.port > 0)
        await running.stop()
    }

    @Test func anAddressInUseFailsToStartNamingIt() async throws {
        let first = try await MetricsEndpoint(host: "127.0.0.1", port: 0, renderers: [], health: { RoleHealth(status: .serving) }).start()
        await #expect(throws: MetricsEndpointError.self) {
            _ = try await MetricsEndpoint(host: "127.0.0.1", port: first.port, renderers: [], health: { RoleHealth(status: .serving) }).start()
        }
        await first.stop()
    }
}
