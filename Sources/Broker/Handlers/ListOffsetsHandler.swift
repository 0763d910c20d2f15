import KafkaProtocol
import LogStorage

/// ListOffsets: earliest, latest, max-timestamp, or the first offset at or after a timestamp.
struct ListOffsetsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...8

    static let latest: Int64 = -1
    static let earliest: Int64 = -2
    static let maxTimestamp: Int64 = -3
    static let earliestLocal: Int64 = -4

    func handle(_ request: ListOffsetsRequest, context: RequestContext) async throws -> HandlerOutcome<ListOffsetsResponse> {
        let broker = context.broker
        let version = context.apiVersion
        let readCommitted = request.isolationLevel == 1
        let topics: [ListOffsetsResponse.ListOffsetsTopicResponse] = try await broker.io {
            request.topics.map { topic in
                ListOffsetsResponse.ListOffsetsTopicResponse(
                    name: topic.name,
                    partitions: topic.partitions.map { partition in
                        Self.answer(partition, topic: topic.name, storage: broker.storage, version: version, readCommitted: readCommitted)
                    })
            }
        }
        return .now(ListOffsetsResponse(topics: topics))
    }

    private static func answer(
        _ partition: ListOffsetsRequest.ListOffsetsPartition, topic: String, storage: any TopicStorage, version: Int16, readCommitted: Bool
    ) -> ListOffsetsResponse.ListOffsetsPartitionResponse {
        var response = ListOffsetsResponse.ListOffsetsPartitionResponse(partitionIndex: partition.partitionIndex, errorCode: .none)
        guard let log = storage.partitionStorage(topic: topic, index: partition.partitionIndex) else {
            response.errorCode = .unknownTopicOrPartition
            return response
        }
        let epoch = partition.currentLeaderEpoch.rawValue
        if epoch > 0 {
            response.errorCode = .unknownLeaderEpoch
            return response
        }
        var found: TimestampOffset?
        do {
            let offsets = try log.offsets
            switch partition.timestamp {
            case latest:
                found = TimestampOffset(offset: readCommitted ? offsets.lastStableOffset : offsets.highWatermark, timestamp: -1)
            case earliest, earliestLocal:
                found = TimestampOffset(offset: offsets.logStartOffset, timestamp: -1)
            case maxTimestamp:
                found = try log.offsetOfMaxTimestamp()
            case let timestamp where timestamp >= 0:
                found = try log.firstRecord(atOrAfter: timestamp)
            default:
                response.errorCode = .invalidRequest
                return response
            }
        } catch let error as StorageErrorMapping {
            response.errorCode = error.kafkaErrorCode
            return response
        } catch {
            response.errorCode = .kafkaStorageError
            return response
        }
        if version == 0 {
            response.oldStyleOffsets = found.map { [$0.offset.rawValue] } ?? []
        } else {
            response.offset = found?.offset ?? Offset(-1)
            response.timestamp = found?.timestamp ?? -1
            response.leaderEpoch = found == nil ? .unknown : LeaderEpoch(0)
        }
        return response
    }
}
