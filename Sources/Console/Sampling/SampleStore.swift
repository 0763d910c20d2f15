import KafkaClient
import LagHealth

/// A partition's offsets at one sampling round.
struct EndOffsetSample: Sendable, Hashable {
    var timestamp: Int64
    var low: Int64
    var high: Int64
}

/// What one sampling round saw of the cluster.
struct SamplingRound: Sendable {
    var timestamp: Int64
    var endOffsets: [TopicPartition: WatermarkOffsets]
    /// Per group, one sample per partition it committed.
    var groups: [String: [TopicPartition: OffsetSample]]
}

/// History of end offsets and group offsets, bounded: each partition keeps a fixed-size ring of end
/// offsets (`historyLength`), each group partition a ring of `windowSize` offset samples for the lag
/// verdicts, each group a ring of `historyLength` total-lag points; a partition or group missing from
/// a round is forgotten. A failed round changes no history.
actor SampleStore {
    let windowSize: Int
    let historyLength: Int
    private var endOffsets: [TopicPartition: SampleWindow<EndOffsetSample>] = [:]
    private var groupOffsets: [String: [TopicPartition: SampleWindow<OffsetSample>]] = [:]
    private var groupLag: [String: SampleWindow<LagPoint>] = [:]
    private var rounds = 0
    private var lastSampleAt: Int64?
    private var lastError: String?

    /// The produce rate is measured over at most this many of the newest samples, to smooth bursts.
    static let rateSpan = 6

    init(windowSize: Int, historyLength: Int) {
        self.windowSize = windowSize
        self.historyLength = max(windowSize, historyLength)
    }

    func record(_ round: SamplingRound) {
        var ends: [TopicPartition: SampleWindow<EndOffsetSample>] = [:]
        for (partition, marks) in round.endOffsets {
            var window = endOffsets[partition] ?? SampleWindow(capacity: historyLength)
            window.append(EndOffsetSample(timestamp: round.timestamp, low: marks.low, high: marks.high))
            ends[partition] = window
        }
        endOffsets = ends

        var offsets: [String: [TopicPartition: SampleWindow<OffsetSample>]] = [:]
        var lags: [String: SampleWindow<LagPoint>] = [:]
        for (group, samples) in round.groups {
            var windows: [TopicPartition: SampleWindow<OffsetSample>] = [:]
            for (partition, sample) in samples {
                var window = groupOffsets[group]?[partition] ?? SampleWindow(capacity: windowSize)
                window.append(sample)
                windows[partition] = window
            }
            offsets[group] = windows
            var lag = groupLag[group] ?? SampleWindow(capacity: historyLength)
            lag.append(LagPoint(timestamp: round.timestamp, totalLag: samples.values.reduce(0) { $0 + $1.lag }))
            lags[group] = lag
        }
        groupOffsets = offsets
        groupLag = lags
        rounds += 1
        lastSampleAt = round.timestamp
        lastError = nil
    }

    func recordFailure(_ description: String) {
        lastError = description
    }

    func status(intervalSeconds: Double) -> SamplingStatus {
        SamplingStatus(intervalSeconds: intervalSeconds, windowSize: windowSize, rounds: rounds, lastSampleAt: lastSampleAt, lastError: lastError)
    }

    var trackedPartitions: Int { endOffsets.count }
    var trackedGroupPartitions: Int { groupOffsets.values.reduce(0) { $0 + $1.count } }

    // MARK: Produce rates

    /// Records per second of one partition over its newest samples; nil before two samples.
    func produceRate(_ partition: TopicPartition) -> Double? {
        guard let samples = endOffsets[partition]?.elements.suffix(Self.rateSpan), let first = samples.first, let last = samples.last,
            last.timestamp > first.timestamp
        else { return nil }
        return Double(max(0, last.high - first.high)) * 1000 / Double(last.timestamp - first.timestamp)
    }

    /// Records per second of a topic at each sample (summing its partitions' deltas from the round before).
    func rateHistory(topic: String) -> [RatePoint] {
        var rates: [Int64: Double] = [:]
        for (partition, window) in endOffsets where partition.topic == topic {
            let samples = window.elements
            for (before, after) in zip(samples, samples.dropFirst()) where after.timestamp > before.timestamp {
                rates[after.timestamp, default: 0] += Double(max(0, after.high - before.high)) * 1000 / Double(after.timestamp - before.timestamp)
            }
        }
        return rates.sorted { $0.key < $1.key }.map { RatePoint(timestamp: $0.key, recordsPerSecond: $0.value) }
    }

    /// The topic's rate: the sum of its partitions' rates, nil until any partition has one.
    func produceRate(topic: String, partitions: [Int32]) -> Double? {
        let rates = partitions.compactMap { produceRate(TopicPartition(topic: topic, partition: $0)) }
        return rates.isEmpty ? nil : rates.reduce(0, +)
    }

    // MARK: Lag verdicts

    /// Each sampled partition's verdict and the group's, judged at `now`.
    func verdicts(group: String, now: Int64) -> (group: GroupVerdict, partitions: [TopicPartition: PartitionVerdict]) {
        let partitions = (groupOffsets[group] ?? [:]).mapValues { PartitionEvaluator.evaluate($0, now: now) }
        let verdict = GroupVerdict(partitions: partitions.map { (label: $0.key.description, verdict: $0.value) })
        return (verdict, partitions)
    }

    func lagHistory(group: String) -> [LagPoint] {
        groupLag[group]?.elements ?? []
    }
}
