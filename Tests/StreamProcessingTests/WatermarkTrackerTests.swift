import Testing
@testable import StreamProcessing

@Suite struct WatermarkTrackerTests {
    let p0 = TopicPartition(topic: "logs", partition: 0)
    let p1 = TopicPartition(topic: "logs", partition: 1)

    @Test func isTheMinimumOverPartitionsOfMaxTimeMinusOutOfOrderness() {
        var tracker = WatermarkTracker(outOfOrdernessMillis: 1000, idleTimeoutMillis: nil)
        tracker.observe(eventTimeMillis: 100_000, partition: p0, nowMillis: 0)
        #expect(tracker.watermarkMillis == 99_000)
        tracker.observe(eventTimeMillis: 50_000, partition: p1, nowMillis: 0)
        // The slower partition holds it, but it never moves back below what was already reached.
        #expect(tracker.watermarkMillis == 99_000)
        tracker.observe(eventTimeMillis: 120_000, partition: p0, nowMillis: 0)
        #expect(tracker.watermarkMillis == 99_000)
        tracker.observe(eventTimeMillis: 110_000, partition: p1, nowMillis: 0)
        #expect(tracker.watermarkMillis == 109_000)
    }

    @Test func anAssignedSilentPartitionHoldsItBackUntilIdle() {
        var tracker = WatermarkTracker(outOfOrdernessMillis: 0, idleTimeoutMillis: 5000)
        tracker.assign([p0, p1], nowMillis: 0)
        tracker.observe(eventTimeMillis: 70_000, partition: p0, nowMillis: 1000)
        #expect(tracker.watermarkMillis == .min)
        #expect(tracker.advance(nowMillis: 4999) == .min)
        #expect(tracker.advance(nowMillis: 5000) == 70_000)
        // The idle partition wakes up behind: it is active again, but the watermark does not regress.
        tracker.observe(eventTimeMillis: 60_000, partition: p1, nowMillis: 5500)
        #expect(tracker.watermarkMillis == 70_000)
        tracker.observe(eventTimeMillis: 80_000, partition: p0, nowMillis: 5600)
        #expect(tracker.watermarkMillis == 70_000)
        tracker.observe(eventTimeMillis: 90_000, partition: p1, nowMillis: 5700)
        #expect(tracker.watermarkMillis == 80_000)
    }

    @Test func allIdleMovesToTheFastestPartitionAndOptionallyFollowsTheWallClock() {
        var replay = WatermarkTracker(outOfOrdernessMillis: 100, idleTimeoutMillis: 1000)
        replay.observe(eventTimeMillis: 5000, partition: p0, nowMillis: 0)
        replay.observe(eventTimeMillis: 9000, partition: p1, nowMillis: 0)
        #expect(replay.watermarkMillis == 4900)
        #expect(replay.advance(nowMillis: 1_000_000) == 8900)

        var live = WatermarkTracker(outOfOrdernessMillis: 100, idleTimeoutMillis: 1000, followsWallClockWhenIdle: true)
        live.observe(eventTimeMillis: 5000, partition: p0, nowMillis: 0)
        #expect(live.advance(nowMillis: 999) == 4900)
        #expect(live.advance(nowMillis: 60_000) == 60_000 - 1000 - 100)
    }

    @Test func revokedPartitionsStopHoldingItBack() {
        var tracker = WatermarkTracker(outOfOrdernessMillis: 0, idleTimeoutMillis: nil)
        tracker.observe(eventTimeMillis: 10, partition: p0, nowMillis: 0)
        tracker.assign([p1], nowMillis: 0)
        #expect(tracker.advance(nowMillis: 0) == 10)
        tracker.observe(eventTimeMillis: 20, partition: p0, nowMillis: 0)
        #expect(tracker.watermarkMillis == 10)
        tracker.revoke([p1])
        #expect(tracker.advance(nowMillis: 0) == 20)
    }

    @Test func aRestartOrReassignmentIsNotIdleness() {
        var tracker = WatermarkTracker(outOfOrdernessMillis: 0, idleTimeoutMillis: 5000)
        tracker.assign([p0, p1], nowMillis: 0)
        tracker.observe(eventTimeMillis: 70_000, partition: p0, nowMillis: 0)
        tracker.observe(eventTimeMillis: 60_000, partition: p1, nowMillis: 0)
        #expect(tracker.watermarkMillis == 60_000)
        // Restored from a checkpoint a minute later: neither partition has been quiet for 5 s of running.
        tracker.resume(nowMillis: 60_000)
        #expect(tracker.advance(nowMillis: 64_999) == 60_000)
        tracker.observe(eventTimeMillis: 71_000, partition: p0, nowMillis: 64_999)
        // p1 comes back from a rebalance: a fresh timeout, then it idles and p0 leads.
        tracker.assign([p1], nowMillis: 64_000)
        #expect(tracker.advance(nowMillis: 68_999) == 60_000)
        #expect(tracker.advance(nowMillis: 69_000) == 71_000)
    }
}
