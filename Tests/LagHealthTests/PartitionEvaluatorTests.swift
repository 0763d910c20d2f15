import LagHealth
import Testing

@Suite("Partition verdicts from offset histories")
struct PartitionEvaluatorTests {
    @Test("OK: lag went down at least once while the consumer commits")
    func okProgress() {
        let verdict = History(committed: [100, 120, 150, 190, 230], end: [140, 170, 190, 215, 260]).verdict()
        #expect(verdict.status == .ok)
        #expect(verdict.reason == "consumer is making progress: lag went down 40 → 25 20 s ago; now 30")
        #expect(verdict.currentLag == 30)
    }

    @Test("OK: caught up now, even before the window is full")
    func okCaughtUp() {
        let verdict = History(committed: [10, 50], end: [60, 50], capacity: 5).verdict()
        #expect(verdict.status == .ok)
        #expect(verdict.reason == "caught up: committed offset 50 is the end offset")
        #expect(verdict.currentLag == 0)
    }

    @Test("OK: a zero-lag sample in the window outweighs everything else, a rewind included")
    func okZeroLagSample() {
        let verdict = History(committed: [100, 100, 80, 80, 80], end: [100, 110, 120, 130, 140]).verdict()
        #expect(verdict.status == .ok)
        #expect(verdict.reason == "lag was 0 50 s ago; now 60")
    }

    @Test("UNKNOWN: the window is not full yet and there is lag")
    func unknownWhileCollecting() {
        let verdict = History(committed: [100, 100, 100], end: [150, 160, 170], capacity: 5).verdict()
        #expect(verdict.status == .unknown)
        #expect(verdict.reason == "collecting samples: 3 of 5; lag now 70")
        #expect(verdict.samples == 3 && verdict.windowSize == 5)
    }

    @Test("UNKNOWN: no samples at all")
    func unknownEmpty() {
        let verdict = PartitionEvaluator.evaluate(SampleWindow(capacity: 5), now: 0)
        #expect(verdict.status == .unknown)
        #expect(verdict.currentLag == nil)
        #expect(verdict.reason == "no samples yet")
    }

    @Test("WARN: offsets advance but lag keeps growing")
    func warnLagGrowing() {
        let verdict = History(committed: [100, 110, 120, 130, 140], end: [150, 170, 190, 210, 240]).verdict()
        #expect(verdict.status == .warning)
        #expect(verdict.reason == "lag never went down in 5 samples: grew 50 → 100 while committed offset moved 100 → 140")
    }

    @Test("WARN: offsets advance but lag holds steady (Burrow's not-decreasing)")
    func warnLagSteady() {
        let verdict = History(committed: [100, 110, 120], end: [130, 140, 150]).verdict()
        #expect(verdict.status == .warning)
        #expect(verdict.reason == "lag never went down in 3 samples: stayed 30 while committed offset moved 100 → 120")
    }

    @Test("STALL: a consumer holds the partition but its committed offset does not move")
    func stall() {
        let verdict = History(committed: [120, 120, 120, 120, 120], end: [160, 175, 190, 200, 215]).verdict()
        #expect(verdict.status == .stall)
        #expect(verdict.reason == "committed offset 120 has not moved for 5 samples while lag grew 40 → 95")
    }

    @Test("STALL on an idle topic: lag stays, offset stays")
    func stallIdle() {
        let verdict = History(committed: [5, 5, 5], end: [9, 9, 9]).verdict()
        #expect(verdict.status == .stall)
        #expect(verdict.reason == "committed offset 5 has not moved for 3 samples while lag stayed 4")
    }

    @Test("STOP: nobody holds the partition and the committed offset has not moved all window")
    func stopNoMove() {
        let verdict = History(committed: [120, 120, 120, 120], end: [160, 170, 180, 190], assigned: false).verdict()
        #expect(verdict.status == .stop)
        #expect(verdict.reason == "no consumer holds the partition and committed offset 120 has not moved for at least 40 s; lag 70")
    }

    @Test("STOP after a last move long ago; not yet STOP right after it")
    func stopAfterMove() {
        let history = History(committed: [100, 110, 120, 120, 120, 120], end: [200, 210, 230, 240, 250, 260], assigned: false)
        let stopped = history.verdict(now: 60_000)
        #expect(stopped.status == .stop)
        #expect(stopped.reason == "no consumer holds the partition and committed offset 120 has not moved for 40 s; lag 140")
        // At 40 s, 20 s since the move is not more than the 20 s watched before it: not stopped, and
        // the offset moved in the window, so not stalled either; lag never went down: WARN.
        #expect(history.verdict(now: 40_000).status == .warning)
    }

    @Test("REWIND: the committed offset went backwards; it outranks stop and stall")
    func rewind() {
        let verdict = History(committed: [500, 500, 120, 120, 120], end: [900, 900, 900, 900, 900], assigned: false).verdict()
        #expect(verdict.status == .rewind)
        #expect(verdict.reason == "committed offset went back from 500 to 120 30 s ago; lag now 780")
    }
}
