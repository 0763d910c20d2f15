import KafkaClient
import LagHealth
import Logging
import ServiceLifecycle

/// Polls the cluster every `interval`: end offsets of every partition and committed offsets of every
/// consumer group, into the `SampleStore` that feeds the lag verdicts and produce rates. A round that
/// fails is counted and logged, and the next round tries again; rounds never overlap.
public final class LagSampler: Service, Sendable {
    public let interval: Duration
    let store: SampleStore
    private let reads: KafkaReads
    private let metrics: ConsoleMetrics
    private let logger: Logger

    init(reads: KafkaReads, store: SampleStore, interval: Duration, metrics: ConsoleMetrics, logger: Logger) {
        self.reads = reads
        self.store = store
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
    }

    /// Samples until cancelled or until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.sampleOnce()
                do {
                    try await Task.sleep(for: self.interval)
                } catch {
                    return
                }
            }
        }
    }

    /// One round: read, then record. Public so tests and `logport up` can sample on demand.
    public func sampleOnce() async {
        let started = ContinuousClock.now
        do {
            let round = try await readRound()
            await store.record(round)
            metrics.roundSucceeded(
                duration: ContinuousClock.now - started, partitions: await store.trackedPartitions,
                groupPartitions: await store.trackedGroupPartitions)
            await publishGroupMetrics(round)
        } catch {
            metrics.roundFailed(duration: ContinuousClock.now - started)
            await store.recordFailure(String(describing: error))
            logger.warning("sampling the cluster failed; the next round retries in \(interval)", metadata: ["error": "\(error)"])
        }
    }

    private func readRound() async throws -> SamplingRound {
        let timestamp = nowMilliseconds()
        let cluster = try await reads.cluster()
        let groups = try await reads.groups()
        // Every operator topic, plus internal partitions a group committed on; partitions of deleted
        // topics (whose commits outlive them) have no end offset and are not sampled.
        let committed = Set(groups.flatMap(\.committed.keys)).intersection(cluster.allPartitions)
        let ends = try await reads.watermarks(Array(committed.union(cluster.operatorTopics.flatMap(\.topicPartitions))))
        var samples: [String: [TopicPartition: OffsetSample]] = [:]
        for group in groups {
            let owners = group.owners
            var partitions: [TopicPartition: OffsetSample] = [:]
            for (partition, committed) in group.committed {
                guard let end = ends[partition] else { continue }
                partitions[partition] = OffsetSample(
                    timestamp: timestamp, committedOffset: committed, endOffset: end.high, isAssigned: owners[partition] != nil)
            }
            samples[group.description.groupID] = partitions
        }
        return SamplingRound(timestamp: timestamp, endOffsets: ends, groups: samples)
    }

    private func publishGroupMetrics(_ round: SamplingRound) async {
        var groups: [String: (lag: Int64, status: GroupStatus)] = [:]
        for (group, samples) in round.groups {
            let verdict = await store.verdicts(group: group, now: round.timestamp).group
            groups[group] = (samples.values.reduce(0) { $0 + $1.lag }, verdict.status)
        }
        metrics.publishGroups(groups)
    }
}
