/// Burrow's five rules, each a pure function over a window of samples, oldest first. The evaluator
/// applies them in Burrow's order; each assumes the ones before it have been checked.
public enum LagRules {
    /// Rule 1: lag was zero at some sample, so the consumer caught up within the window.
    public static func lagReachedZero(_ samples: [OffsetSample]) -> Bool {
        samples.contains { $0.lag == 0 }
    }

    /// Rule 2: the committed offset went backwards between two samples. Returns that step.
    public static func offsetsRewound(_ samples: [OffsetSample]) -> (before: OffsetSample, after: OffsetSample)? {
        consecutivePairs(samples).first { $0.after.committedOffset < $0.before.committedOffset }
    }

    /// Rule 3: nobody holds the partition and the time since its committed offset last moved is
    /// longer than the window had been watching before that move (Burrow: now − last commit >
    /// last commit − first commit). With no move in the window, any time at all since its start counts.
    public static func offsetsStopped(_ samples: [OffsetSample], now: Int64) -> Bool {
        guard let first = samples.first, let newest = samples.last, !newest.isAssigned else { return false }
        let lastMove = lastMoveTimestamp(samples) ?? first.timestamp
        return now - lastMove > lastMove - first.timestamp
    }

    /// Rule 4: the committed offset is the same in every sample.
    public static func offsetsStalled(_ samples: [OffsetSample]) -> Bool {
        consecutivePairs(samples).allSatisfy { $0.after.committedOffset == $0.before.committedOffset }
    }

    /// Rule 5: lag never went down from one sample to the next (Burrow's "not decreasing": a lag
    /// that holds steady while offsets move also means the consumer is not catching up).
    public static func lagNotDecreasing(_ samples: [OffsetSample]) -> Bool {
        consecutivePairs(samples).allSatisfy { $0.after.lag >= $0.before.lag }
    }

    /// When the committed offset last changed from one sample to the next, or nil if it never did.
    public static func lastMoveTimestamp(_ samples: [OffsetSample]) -> Int64? {
        consecutivePairs(samples).last { $0.after.committedOffset != $0.before.committedOffset }?.after.timestamp
    }

    static func consecutivePairs(_ samples: [OffsetSample]) -> [(before: OffsetSample, after: OffsetSample)] {
        zip(samples, samples.dropFirst()).map { (before: $0, after: $1) }
    }
}
