/// Event-time progress of a consumer that reads several partitions.
///
/// Guarantees:
/// - the watermark is `min` over active partitions of (max event time seen − allowed out-of-orderness);
/// - it never moves backwards, whatever arrives later;
/// - an assigned partition that has delivered nothing holds the watermark back until it goes idle;
/// - a partition with no record for `idleTimeoutMillis` of processing time stops holding it back; being
///   (re)assigned or resumed after a restart starts that time afresh, since a consumer that was not
///   running has not seen the partition go quiet;
/// - when every partition is idle it moves to the highest partition watermark, so seen windows close;
/// - with `followsWallClockWhenIdle` (live streams, not replays of old data) it then also follows the wall clock
///   (now − idle timeout − out-of-orderness), so absence-of-data alerts fire on a silent stream.
public struct WatermarkTracker: Codable, Sendable, Equatable {
    struct PartitionProgress: Codable, Sendable, Equatable {
        var maxEventTimeMillis: Int64?
        var lastActivityMillis: Int64
    }

    public let outOfOrdernessMillis: Int64
    /// nil: partitions never count as idle.
    public let idleTimeoutMillis: Int64?
    public let followsWallClockWhenIdle: Bool
    private var partitions: [TopicPartition: PartitionProgress] = [:]
    /// `Int64.min` until every partition has seen data (or gone idle).
    public private(set) var watermarkMillis: Int64 = .min

    public init(outOfOrdernessMillis: Int64, idleTimeoutMillis: Int64?, followsWallClockWhenIdle: Bool = false) {
        self.outOfOrdernessMillis = max(0, outOfOrdernessMillis)
        self.idleTimeoutMillis = idleTimeoutMillis
        self.followsWallClockWhenIdle = followsWallClockWhenIdle
    }

    /// Registers partitions that must hold the watermark back even before their first record, and gives
    /// partitions already known (returning after a rebalance) a fresh idle timeout.
    public mutating func assign(_ assigned: [TopicPartition], nowMillis: Int64) {
        for partition in assigned {
            var progress = partitions[partition] ?? PartitionProgress(maxEventTimeMillis: nil, lastActivityMillis: nowMillis)
            progress.lastActivityMillis = max(progress.lastActivityMillis, nowMillis)
            partitions[partition] = progress
        }
    }

    /// After a restore from a checkpoint: the time the processor was stopped is not idleness.
    public mutating func resume(nowMillis: Int64) {
        partitions = partitions.mapValues { progress in
            var progress = progress
            progress.lastActivityMillis = max(progress.lastActivityMillis, nowMillis)
            return progress
        }
    }

    /// Stops tracking revoked partitions, so they no longer hold the watermark back.
    public mutating func revoke(_ revoked: [TopicPartition]) {
        for partition in revoked { partitions[partition] = nil }
    }

    /// Records an event and returns the (possibly advanced) watermark.
    @discardableResult
    public mutating func observe(eventTimeMillis: Int64, partition: TopicPartition, nowMillis: Int64) -> Int64 {
        var progress = partitions[partition] ?? PartitionProgress(maxEventTimeMillis: nil, lastActivityMillis: nowMillis)
        progress.maxEventTimeMillis = max(progress.maxEventTimeMillis ?? .min, eventTimeMillis)
        progress.lastActivityMillis = max(progress.lastActivityMillis, nowMillis)
        partitions[partition] = progress
        return advance(nowMillis: nowMillis)
    }

    /// Re-evaluates idleness at processing time `nowMillis` and returns the (possibly advanced) watermark.
    @discardableResult
    public mutating func advance(nowMillis: Int64) -> Int64 {
        let active = partitions.values.filter { !isIdle($0, nowMillis: nowMillis) }
        let candidate: Int64
        if !active.isEmpty {
            // A silent active partition has no max yet: it holds everything back.
            candidate = active.map { partitionWatermark($0) }.min() ?? .min
        } else if let idleTimeoutMillis, !partitions.isEmpty {
            let highestSeen = partitions.values.map { partitionWatermark($0) }.max() ?? .min
            let wallClock = followsWallClockWhenIdle ? nowMillis - idleTimeoutMillis - outOfOrdernessMillis : .min
            candidate = max(highestSeen, wallClock)
        } else {
            candidate = .min
        }
        watermarkMillis = max(watermarkMillis, candidate)
        return watermarkMillis
    }

    private func partitionWatermark(_ progress: PartitionProgress) -> Int64 {
        guard let maxEventTime = progress.maxEventTimeMillis else { return .min }
        let (difference, overflow) = maxEventTime.subtractingReportingOverflow(outOfOrdernessMillis)
        return overflow ? .min : difference
    }

    private func isIdle(_ progress: PartitionProgress, nowMillis: Int64) -> Bool {
        guard let idleTimeoutMillis else { return false }
        return nowMillis - progress.lastActivityMillis >= idleTimeoutMillis
    }
}
