/// Judges a partition from its window of samples with Burrow's rules: zero lag anywhere means OK;
/// otherwise rewind, stop, stall and lag-not-decreasing, the first that holds deciding; OK if none.
/// Pure: the same window and `now` always give the same verdict.
public enum PartitionEvaluator {
    public static func evaluate(_ window: SampleWindow<OffsetSample>, now: Int64) -> PartitionVerdict {
        let samples = window.elements
        func verdict(_ status: PartitionStatus, _ reason: String) -> PartitionVerdict {
            PartitionVerdict(status: status, reason: reason, currentLag: samples.last?.lag, samples: samples.count, windowSize: window.capacity)
        }
        guard let first = samples.first, let newest = samples.last else {
            return verdict(.unknown, "no samples yet")
        }
        if newest.lag == 0 {
            return verdict(.ok, "caught up: committed offset \(newest.committedOffset) is the end offset")
        }
        guard window.isFull else {
            return verdict(.unknown, "collecting samples: \(samples.count) of \(window.capacity); lag now \(newest.lag)")
        }
        if LagRules.lagReachedZero(samples), let zero = samples.last(where: { $0.lag == 0 }) {
            return verdict(.ok, "lag was 0 \(ago(zero.timestamp, now)); now \(newest.lag)")
        }
        if let step = LagRules.offsetsRewound(samples) {
            return verdict(.rewind, "committed offset went back from \(step.before.committedOffset) to \(step.after.committedOffset) \(ago(step.after.timestamp, now)); lag now \(newest.lag)")
        }
        if LagRules.offsetsStopped(samples, now: now) {
            let quiet = LagRules.lastMoveTimestamp(samples).map { "for \(DurationText.format(milliseconds: now - $0))" }
                ?? "for at least \(DurationText.format(milliseconds: now - first.timestamp))"
            return verdict(.stop, "no consumer holds the partition and committed offset \(newest.committedOffset) has not moved \(quiet); lag \(newest.lag)")
        }
        if LagRules.offsetsStalled(samples) {
            return verdict(.stall, "committed offset \(newest.committedOffset) has not moved for \(samples.count) samples while lag \(change(first.lag, newest.lag))")
        }
        if LagRules.lagNotDecreasing(samples) {
            return verdict(.warning, "lag never went down in \(samples.count) samples: \(change(first.lag, newest.lag)) while committed offset moved \(first.committedOffset) → \(newest.committedOffset)")
        }
        let drop = LagRules.consecutivePairs(samples).last { $0.after.lag < $0.before.lag }
        let progress = drop.map { "lag went down \($0.before.lag) → \($0.after.lag) \(ago($0.after.timestamp, now))" } ?? "lag went down"
        return verdict(.ok, "consumer is making progress: \(progress); now \(newest.lag)")
    }

    private static func ago(_ timestamp: Int64, _ now: Int64) -> String {
        "\(DurationText.format(milliseconds: now - timestamp)) ago"
    }

    private static func change(_ from: Int64, _ to: Int64) -> String {
        from == to ? "stayed \(to)" : from < to ? "grew \(from) → \(to)" : "fell \(from) → \(to)"
    }
}
