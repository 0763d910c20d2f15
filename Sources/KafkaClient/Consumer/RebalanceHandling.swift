import CRdKafka
import Logging

/// Applies a group rebalance inside librdkafka's rebalance callback, as librdkafka requires, then
/// reports it. Cooperative protocols (cooperative-sticky) add and remove partitions incrementally;
/// eager ones replace the whole assignment. Before partitions go, the positions readers reached are
/// stored (so the revocation commit includes them) and their unread buffered messages are dropped.
struct RebalanceHandling: Sendable {
    let buffer: ConsumedMessageBuffer
    let events: AsyncStream<KafkaConsumerEvent>.Continuation
    let storesPositions: Bool
    let logger: Logger

    func handle(_ handle: OpaquePointer, reason: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let changed = partitionListEntries(partitions).map(\.topicPartition)
        switch reason {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                report(rd_kafka_incremental_assign(handle, partitions), "assigning \(changed)")
            } else {
                report(rd_kafka_assign(handle, partitions), "assigning \(changed)")
            }
            events.yield(.partitionsAssigned(changed))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(handle) != 0
            if storesPositions, !lost { storeTakenPositions(handle: handle, buffer: buffer, logger: logger) }
            let revoked = Set(changed)
            buffer.discard { revoked.contains($0) }
            if cooperative {
                report(rd_kafka_incremental_unassign(handle, partitions), "revoking \(changed)")
            } else {
                report(rd_kafka_assign(handle, nil), "revoking \(changed)")
            }
            events.yield(.partitionsRevoked(changed, lost: lost))
        default:
            report(rd_kafka_assign(handle, nil), "clearing the assignment")
            events.yield(.error(KafkaError(reason, context: "rebalancing")))
        }
    }

    private func report(_ error: OpaquePointer?, _ what: String) {
        guard let error else { return }
        events.yield(.error(KafkaError(consuming: error, context: what)))
    }

    private func report(_ code: rd_kafka_resp_err_t, _ what: String) {
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        events.yield(.error(KafkaError(code, context: what)))
    }
}
