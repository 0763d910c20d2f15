import KafkaProtocol
import LogStorage

/// DeleteRecords: moves a partition's log start offset forward; whole segments below it are removed
/// by retention. Offset -1 means "up to the high watermark".
struct DeleteRecordsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...2

    func handle(_ request: DeleteRecordsRequest, context: RequestContext) async throws -> HandlerOutcome<DeleteRecordsResponse> {
        let storage = context.broker.storage
        let topics: [DeleteRecordsResponse.DeleteRecordsTopicResult] = try await context.broker.io {
            request.topics.map { topic in
                DeleteRecordsResponse.DeleteRecordsTopicResult(
                    name: topic.name,
                    partitions: topic.partitions.map { partition in
                        var result = DeleteRecordsResponse.DeleteRecordsPartitionResult(
                            partitionIndex: partition.partitionIndex, lowWatermark: -1, errorCode: .none)
                        guard let log = storage.partitionStorage(topic: topic.name, index: partition.partitionIndex) else {
                            result.errorCode = .unknownTopicOrPartition
                            return result
                        }
                        do {
                            let offsets = try log.offsets
                            let target = partition.offset.rawValue == -1 ? offsets.highWatermark : partition.offset
                            guard target >= Offset(0), target <= offsets.highWatermark else {
                                result.errorCode = .offsetOutOfRange
                                return result
                            }
                            result.lowWatermark = try log.deleteRecords(before: target, now: ProduceHandler.wallClockMilliseconds()).rawValue
                        } catch let error as StorageErrorMapping {
                            result.errorCode = error.kafkaErrorCode
                        } catch {
                            result.errorCode = .kafkaStorageError
                        }
                        return result
                    })
            }
        }
        return .now(DeleteRecordsResponse(topics: topics))
    }
}
