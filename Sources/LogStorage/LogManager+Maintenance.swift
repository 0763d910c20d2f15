import KafkaProtocol
import NIOCore

/// What one maintenance run did.
public struct MaintenanceReport: Sendable, Equatable {
    /// Partitions whose active segment rolled because it was older than `segment.ms`.
    public var rolled: [TopicPartition] = []
    /// `.log` files deleted by retention, per partition.
    public var deletedSegments: [TopicPartition: [String]] = [:]
    public var expiredProducers = 0
    /// Partitions whose maintenance failed, with the error (also logged).
    public var failures: [TopicPartition: String] = [:]
}

extension LogManager {
    /// Runs retention, `segment.ms` rolls and producer expiry on every partition, using the
    /// manager's clock. The background thread calls it every `retentionCheckIntervalMs`.
    @discardableResult
    public func runMaintenance() -> MaintenanceReport {
        let now = options.clock.nowMilliseconds()
        var report = MaintenanceReport()
        for log in allPartitions() {
            do {
                if try log.rollIfDue(now: now) { report.rolled.append(log.topicPartition) }
                let deleted = try log.enforceRetention(now: now)
                if !deleted.isEmpty {
                    report.deletedSegments[log.topicPartition] = deleted
                    logger.info("retention deleted segments", metadata: ["partition": "\(log.topicPartition)", "files": "\(deleted)"])
                }
                report.expiredProducers += try log.removeExpiredProducers(now: now, expirationMs: options.producerIDExpirationMs)
            } catch LogError.closed {
                continue
            } catch {
                report.failures[log.topicPartition] = "\(error)"
                logger.error("maintenance failed", metadata: ["partition": "\(log.topicPartition)", "error": "\(error)"])
            }
        }
        return report
    }

    /// Persists every partition's recovery point and log start offset.
    public func checkpointRecoveryPoints() {
        for log in allPartitions() {
            do {
                try log.writeCheckpoint()
            } catch {
                logger.error("writing checkpoint failed", metadata: ["partition": "\(log.topicPartition)", "error": "\(error)"])
            }
        }
    }

    func allPartitions() -> [PartitionLog] {
        catalogLock.withLock { catalog.values.flatMap(\.partitions) }
    }

    /// Starts the thread that runs `runMaintenance` and `checkpointRecoveryPoints` on their intervals
    /// until `shutdown`.
    func startBackgroundTasks() throws {
        let maintenanceInterval = TimeAmount.milliseconds(options.retentionCheckIntervalMs)
        let checkpointInterval = TimeAmount.milliseconds(options.recoveryPointCheckpointIntervalMs)
        backgroundTasks = try BackgroundThread(name: "log maintenance") { [self] in
            var nextMaintenance = NIODeadline.now() + maintenanceInterval
            var nextCheckpoint = NIODeadline.now() + checkpointInterval
            while true {
                let wait = max(0, Double((min(nextMaintenance, nextCheckpoint) - .now()).nanoseconds) / 1e9)
                if stopBackgroundTasks.lock(whenValue: true, timeoutSeconds: wait) {
                    stopBackgroundTasks.unlock()
                    return
                }
                let now = NIODeadline.now()
                if now >= nextMaintenance {
                    runMaintenance()
                    nextMaintenance = now + maintenanceInterval
                }
                if now >= nextCheckpoint {
                    checkpointRecoveryPoints()
                    nextCheckpoint = now + checkpointInterval
                }
            }
        }
    }
}
