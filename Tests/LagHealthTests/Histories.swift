import LagHealth

/// Builds a window of samples taken every `interval` ms from time 0, pairing committed offsets
/// with end offsets; `now` defaults to one interval after the last sample, as a sampler would see it.
struct History {
    var committed: [Int64]
    var end: [Int64]
    var assigned = true
    var interval: Int64 = 10_000
    var capacity: Int?

    var samples: [OffsetSample] {
        zip(committed, end).enumerated().map { index, pair in
            OffsetSample(timestamp: Int64(index) * interval, committedOffset: pair.0, endOffset: pair.1, isAssigned: assigned)
        }
    }

    var window: SampleWindow<OffsetSample> { SampleWindow(capacity: capacity ?? committed.count, samples) }

    var lastTimestamp: Int64 { Int64(committed.count - 1) * interval }

    func verdict(now: Int64? = nil) -> PartitionVerdict {
        PartitionEvaluator.evaluate(window, now: now ?? lastTimestamp + interval)
    }
}
