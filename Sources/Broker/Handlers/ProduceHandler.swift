import KafkaProtocol
import KafkaRecords
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Produce: appends producers' record batches. The broker checks each batch's framing and CRC and
/// stores the producer's bytes as they are (only the base offset and leader epoch are stamped in);
/// records are never decompressed or re-encoded on this path.
///
/// acks=0 gets no response, acks=1 is answered once the batch is in the log, acks=all once it is
/// also fsynced (`acks.all.fsync`, group-committed with every other waiting producer).
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
        let appended: [PartitionAppend] = try await broker.io {
            let wallClock = Self.wallClockMilliseconds()
            var results: [PartitionAppend] = []
            for (topicIndex, topic) in request.topicData.enumerated() {
                let counters = broker.metrics.topic(topic.name)
                for partition in topic.partitionData {
                    let result = Self.append(
                        partition, topic: topic.name, topicIndex: topicIndex, acceptsLegacy: context.apiVersion < 3, broker: broker,
                        counters: counters, now: wallClock)
                    // Waiting consumers wake from here, not after this task is back on its event loop.
                    if result.appended != nil {
                        broker.appendNotifier.notify(TopicPartitionKey(topic: topic.name, partition: partition.index.rawValue))
                    }
                    results.append(result)
                }
            }
            return results
        }
        switch request.acks {
        case 0:
            return .noResponse
        case -1 where broker.config.acksAllFsync:
            return .later {
                var appended = appended
                await Self.waitForDurability(&appended, context: context)
                return Self.response(request, appended)
            }
        default:
            return .now(Self.response(request, appended))
        }
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

    private static func append(
        _ partition: ProduceRequest.PartitionProduceData, topic: String, topicIndex: Int, acceptsLegacy: Bool, broker: BrokerCore,
        counters: BrokerMetrics.TopicCounters, now: Int64
    ) -> PartitionAppend {
        var result = PartitionAppend(
            topicIndex: topicIndex,
            response: .init(index: partition.index, errorCode: .none, baseOffset: Offset(-1)),
            appended: nil)
        func fail(_ code: ErrorCode, _ message: String) -> PartitionAppend {
            result.response.errorCode = code
            result.response.errorMessage = message
            broker.logger.debug("produce to \(topic)-\(partition.index) rejected: \(message)")
            return result
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

    private static func waitForDurability(_ appended: inout [PartitionAppend], context: RequestContext) async {
        for position in appended.indices {
            guard let (log, endOffset) = appended[position].appended else { continue }
            let failure: Error? = await withCheckedContinuation { continuation in
                log.whenDurable(upTo: endOffset) { error in continuation.resume(returning: error) }
            }
            if let failure {
                context.logger.error("fsync failed; answering KAFKA_STORAGE_ERROR: \(failure)")
                appended[position].response.errorCode = .kafkaStorageError
                appended[position].response.errorMessage = "records were written but could not be synced to disk: \(failure)"
            }
        }
    }

    private static func response(_ request: ProduceRequest, _ appended: [PartitionAppend]) -> ProduceResponse {
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
