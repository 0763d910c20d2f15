/// The records a `KafkaConsumer` receives, in the order librdkafka delivers them (per partition, by
/// offset). It ends when the consumer closes and throws on a fatal client error. Several tasks may
/// iterate; each record goes to one of them.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = ConsumedMessage

    let buffer: ConsumedMessageBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: ConsumedMessageBuffer

        public mutating func next() async throws -> ConsumedMessage? {
            try await buffer.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(buffer: buffer)
    }
}
