import Console
import Foundation
import Hummingbird
import HummingbirdTesting
import KafkaClient
import NIOConcurrencyHelpers
import Testing

/// A console over the test broker whose routes are called directly (no socket) and whose sampler
/// runs only when a test says so, so verdicts depend on the samples a test takes and nothing else.
struct ConsoleHarness {
    let console: ConsoleServer

    init(lagWindow: Int = 3) throws {
        console = try ConsoleServer(configuration: ConsoleConfiguration(
            bootstrapServers: try Broker.bootstrap, port: 0, sampleInterval: .seconds(3600), lagWindow: lagWindow))
    }

    func sample(times: Int = 1) async {
        for _ in 0..<times { await console.sampler.sampleOnce() }
    }

    /// GETs `uri`, checks the status, and returns the body.
    func get(_ uri: String, status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let app = Application(router: console.makeRouter())
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == status, "GET \(uri): \(String(buffer: response.body))", sourceLocation: sourceLocation)
                return String(buffer: response.body)
            }
        }
    }

    /// GETs `uri` and decodes its JSON.
    func json<Value: Decodable>(_ uri: String, as type: Value.Type = Value.self, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Value {
        let body = try await get(uri, sourceLocation: sourceLocation)
        return try JSONDecoder().decode(Value.self, from: Data(body.utf8))
    }
}

/// Produces `values` to one partition and returns their offsets.
@discardableResult
func produce(_ values: [ProducerMessage]) async throws -> [Int64] {
    let producer = try KafkaProducer(config: try Broker.config())
    var offsets: [Int64] = []
    for message in values { offsets.append(try await producer.send(message).offset) }
    await producer.close()
    return offsets
}

/// Produces `count` records to one partition in batches, failing on the first undelivered one.
func produce(topic: String, partition: Int32, count: Int) async throws {
    let producer = try KafkaProducer(config: try Broker.config(["linger.ms": "5"]))
    let failures = Failures()
    for index in 0..<count {
        try await producer.enqueue(ProducerMessage(topic: topic, value: "record \(index)", partition: partition)) { result in
            if case .failure(let error) = result { failures.add(error) }
        }
    }
    try await producer.flush(timeout: .seconds(20))
    await producer.close()
    if let first = failures.first { throw first }
}

/// Delivery failures, collected from the producer's poll thread.
private final class Failures: Sendable {
    private let errors = NIOLockedValueBox<[KafkaError]>([])
    func add(_ error: KafkaError) { errors.withLockedValue { $0.append(error) } }
    var first: KafkaError? { errors.withLockedValue { $0.first } }
}

/// Commits `offsets` for `group` as a consumer that assigns partitions and never joins, then leaves.
func commit(group: String, _ offsets: [TopicPartition: Int64]) async throws {
    let consumer = try KafkaConsumer(config: try Broker.config(["group.id": group, "enable.auto.commit": "false"]))
    try await consumer.assign(offsets.mapValues { KafkaOffset($0) })
    try await consumer.commit(offsets)
    try await consumer.close()
}
