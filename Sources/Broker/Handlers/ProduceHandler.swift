import KafkaProtocol
import KafkaRecords
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Produce: appends producers' record batches. The broker checks each batch's framing and CRC and
/// stores the producer's bytes as they are (only the base offset and leader epoch are stamped in);
/// records are never decompressed or re-encoded on this path.
///
/// acks=0 gets no response, acks=1 is answered once the batch is in the log, acks=all once it is
/// also fsynced (`acks.all.fsync`, group-committed with every other waiting producer). Appends run
/// on the partitions' writer threads (`PartitionWriters`), so the connection's next request is
/// read while this one is written, and its appends still follow this one's.
struct ProduceHandler: ApiHandler {
    /// v0–2 carry magic 0/1 message sets, converted to v2 batches on the way in (as Kafka does);
    /// v10/v11 differ from v9 only in leader hints and error codes this broker never sends.
    let versions: ClosedRange<Int16> = 0...11

    func handle(_ request: ProduceRequest, context: RequestContext) async throws -> HandlerOutcome<ProduceResponse> {
        let broker = context.broker
        guard [0, 1, -1].contains(request.acks) else {
            return .now(Self.respondToAll(request, error: .invalidRequiredAcks, message: "acks must be 0, 1 or -1 (all), got \(request.acks)"))
        }
        if request.transactionalId != nil {
            return .now(Self.respondToAll(request, error: .transactionalIDAuthorizationFailed, message: "transactions are not supported yet"))
        }
        // Each partition's append runs on its writer thread, in arrival order; this event loop only
        // submits and goes on to the connection's next request.
        let waitsForFsync = request.acks == -1 && broker.config.acksAllFsync
        let acceptsLegacy = context.apiVersion < 3
        let wallClock = Self.wallClockMilliseconds()
        var partitionCount = 0
        for topic in request.topicData { partitionCount += topic.partitionData.count }
        let outcome = PartitionAppends(count: partitionCount)
        var slot = 0
        for (topicIndex, topic) in request.topicData.enumerated() {
            let counters = broker.metrics.topic(topic.name)
            for partition in topic.partitionData {
                let position = slot
                slot += 1
                let key = TopicPartitionKey(topic: topic.name, partition: partition.index.rawValue)
                let submitted = broker.writers.submit(key) {
                    let result = Self.append(
                        partition, topic: topic.name, topicIndex: topicIndex, acceptsLegacy: acceptsLegacy, broker: broker,
                        counters: counters, now: wallClock)
                    guard let (log, endOffset) = result.appended else { return outcome.complete(position, with: result) }
                    // Waiting consumers wake from here, before any fsync.
                    broker.appendNotifier.notify(key)
                    guard waitsForFsync else { return outcome.complete(position, with: result) }
                    log.whenDurable(upTo: endOffset) { failure in
                        var answer = result
                        if let failure {
                            broker.logger.error("fsync of \(key) failed; answering KAFKA_STORAGE_ERROR: \(failure)")
                            answer.response.errorCode = .kafkaStorageError
                            answer.response.errorMessage = "records were written but could not be synced to disk: \(failure)"
                        }
                        outcome.complete(position, with: answer)
                    }
                }
                if !submitted {
                    outcome.complete(position, with: Self.rejected(partition, topicIndex: topicIndex, .kafkaStorageError,
                                                                   "the broker is shutting down; retry on its restart"))
                }
            }
        }
        if request.acks == 0 { return .noResponse }
        return .later { Self.response(request, await outcome.all()) }
    }

    func forEachError(in response: ProduceResponse, _ body: (ErrorCode) -> Void) {
        for topic in response.responses {
            for partition in topic.partitionResponses where partition.errorCode != .none { body(partition.errorCode) }
        }
    }

    /// What happened to one partition of the request.
    struct PartitionAppend: Sendable {
        let topicIndex: Int
        var response: ProduceResponse.PartitionProduceResponse
        /// Set when records were appended: the log, and the end offset that must become durable.
        var appended: (log: any PartitionStorage, endOffset: Offset)?
    }

    private static func rejected(
        _ partition: ProduceRequest.PartitionProduceData, topicIndex: Int, _ code: ErrorCode, _ message: String
    ) -> PartitionAppend {
        PartitionAppend(
            topicIndex: topicIndex,
            response: .init(index: partition.index, errorCode: code, baseOffset: Offset(-1), errorMessage: message),
            appended: nil)
    }

    /// Validates and appends one partition's records (on its writer thread).
    private static func append(
        _ partition: ProduceRequest.PartitionProduceData, topic: String, topicIndex: Int, acceptsLegacy: Bool, broker: BrokerCore,
        counters: BrokerMetrics.TopicCounters, now: Int64
    ) -> PartitionAppend {
        var result = PartitionAppend(
            topicIndex: topicIndex,
            response: .init(index: partition.index, errorCode: .none, baseOffset: Offset(-1)),
            appended: nil)
        func fail(_ code: ErrorCode, _ message: String) -> PartitionAppend {
            broker.logger.debug("produce to \(topic)-\(partition.index) rejected: \(message)")
            return rejected(partition, topicIndex: topicIndex, code, message)
        }
        guard let log = broker.storage.partitionStorage(topic: topic, index: partition.index) else {
            return fail(.unknownTopicOrPartition, "topic \(topic) partition \(partition.index) does not exist")
        }
        guard var records = partition.records?.buffer, records.readableBytes > 0 else {
            return fail(.corruptMessage, "no records")
        }
        if acceptsLegacy {
            // Produce v0–2 carry magic 0/1 message sets; the log stores only v2 batches.
            do {
                records = try LegacyMessageSet.convertToV2(records, decompressionLimit: log.maxMessageBytes * 16)
            } catch {
                return fail((error as? RecordBatchError)?.errorCode ?? .corruptMessage, "cannot convert legacy message set: \(error)")
            }
        }
        let batches: [ValidatedBatch]
        do {
            batches = try ProducedRecordsValidator.validate(records, maxBatchBytes: log.maxMessageBytes)
        } catch let error as RecordBatchError {
            return fail(error.errorCode, "\(error) (topic \(topic) partition \(partition.index))")
        } catch {
            return fail(.corruptMessage, "\(error)")
        }
        if batches.contains(where: { $0.header.attributes.isTransactional }) {
            return fail(.invalidRecord, "transactional batches are not supported yet")
        }
        do {
            let appended = try log.append(records, leaderEpoch: LeaderEpoch(0), now: now)
            result.response.baseOffset = appended.firstOffset
            result.response.logAppendTimeMs = appended.logAppendTime
            result.response.logStartOffset = appended.logStartOffset
            result.appended = (log, appended.lastOffset + 1)
            counters.records.increment(by: batches.reduce(Int64(0)) { $0 + Int64($1.header.recordCount) })
            counters.bytes.increment(by: Int64(records.readableBytes))
            return result
        } catch let error as StorageErrorMapping {
            return fail(error.kafkaErrorCode, "\(error)")
        } catch {
            broker.logger.error("append to \(topic)-\(partition.index) failed: \(error)")
            return fail(.kafkaStorageError, "\(error)")
        }
    }

    private static func response(_ request: ProduceRequest, _ appended: some Sequence<PartitionAppend>) -> ProduceResponse {
        var topics = request.topicData.map { ProduceResponse.TopicProduceResponse(name: $0.name, partitionResponses: []) }
        for result in appended {
            topics[result.topicIndex].partitionResponses.append(result.response)
        }
        return ProduceResponse(responses: topics)
    }

    private static func respondToAll(_ request: ProduceRequest, error: ErrorCode, message: String) -> ProduceResponse {
        ProduceResponse(responses: request.topicData.map { topic in
            .init(name: topic.name, partitionResponses: topic.partitionData.map {
                .init(index: $0.index, errorCode: error, baseOffset: Offset(-1), errorMessage: message)
            })
        })
    }

    static func wallClockMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// The outcomes of one request's partitions, filled in by writer threads in any order; `all()`
/// returns them in request order once the last one is in, with a single wake-up of the waiting task.
private final class PartitionAppends: Sendable {
    private struct State {
        var results: [ProduceHandler.PartitionAppend?]
        var remaining: Int
        var waiter: CheckedContinuation<[ProduceHandler.PartitionAppend], Never>?
    }

    private let state: NIOLockedValueBox<State>

    init(count: Int) {
        state = NIOLockedValueBox(State(results: Array(repeating: nil, count: count), remaining: count, waiter: nil))
    }

    func complete(_ position: Int, with result: ProduceHandler.PartitionAppend) {
        let finished = state.withLockedValue { state -> (CheckedContinuation<[ProduceHandler.PartitionAppend], Never>, [ProduceHandler.PartitionAppend])? in
            state.results[position] = result
            state.remaining -= 1
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.results.map { $0! })
        }
        if let (waiter, results) = finished { waiter.resume(returning: results) }
    }

    func all() async -> [ProduceHandler.PartitionAppend] {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> [ProduceHandler.PartitionAppend]? in
                guard state.remaining == 0 else {
                    state.waiter = continuation
                    return nil
                }
                return state.results.map { $0! }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
