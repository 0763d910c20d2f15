import CRdKafka
import Logging
import NIOConcurrencyHelpers

/// Applies a group rebalance inside librdkafka's rebalance callback, as librdkafka requires, then
/// reports it. Cooperative protocols (cooperative-sticky) add and remove partitions incrementally;
/// eager ones replace the whole assignment. Before partitions go, the positions readers reached are
/// stored (so the revocation commit includes them) and their unread buffered messages are dropped.
///
/// With a `revocationTimeout`, a revocation (not a loss: a fenced member owns nothing to finish) is
/// first announced as `.partitionsRevoking` and held, with the poll thread blocked inside the callback,
/// until the owner finishes it or the timeout passes; only then does librdkafka give the partitions up.
/// Heartbeats go on from librdkafka's own thread meanwhile, so the member stays in the group; the
/// timeout stays below `max.poll.interval.ms`, past which librdkafka would leave the group.
struct RebalanceHandling: Sendable {
    let fetch: FetchInProgress
    let events: AsyncStream<KafkaConsumerEvent>.Continuation
    let storesPositions: Bool
    let revocationTimeout: Duration?
    /// False once the consumer closes: revocations are then no longer held (the owner is waiting for
    /// `close`, and librdkafka serves the final revocation on the closing thread).
    let open: NIOLockedValueBox<Bool>
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
            let revoked = Set(changed)
            if let revocationTimeout, !lost, !changed.isEmpty, open.withLockedValue({ $0 }) {
                holdForOwner(changed, timeout: revocationTimeout)
            } else {
                fetch.appendPending()
            }
            if storesPositions, !lost { storeTakenPositions(handle: handle, buffer: fetch.buffer, logger: logger) }
            fetch.buffer.discard { revoked.contains($0) }
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

    /// Drops the unread messages of the partitions, announces the revocation and waits for the owner,
    /// with the fetch lock released so the owner may seek or assign meanwhile.
    private func holdForOwner(_ partitions: [TopicPartition], timeout: Duration) {
        let revoked = Set(partitions)
        let revocation = PartitionRevocation(partitions: partitions)
        let finished = fetch.releasedForOwner {
            fetch.buffer.discard { revoked.contains($0) }
            events.yield(.partitionsRevoking(revocation))
            return revocation.waitForOwner(timeout: timeout) { open.withLockedValue { $0 } }
        }
        if !finished {
            logger.warning("the consumer's owner did not finish with revoked partitions in time; giving them up anyway", metadata: [
                "partitions": "\(partitions)", "timeout": "\(timeout)",
            ])
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
