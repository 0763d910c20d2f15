import LagHealth
import Testing

@Suite("Burrow's rules, one by one")
struct LagRulesTests {
    @Test("rule 1: a zero-lag sample anywhere in the window")
    func lagReachedZero() {
        #expect(LagRules.lagReachedZero(History(committed: [10, 20, 30], end: [15, 20, 40]).samples))
        #expect(!LagRules.lagReachedZero(History(committed: [10, 20, 30], end: [15, 25, 40]).samples))
    }

    @Test("rule 2: a committed offset lower than the one before")
    func rewind() throws {
        let step = try #require(LagRules.offsetsRewound(History(committed: [100, 500, 120, 130], end: [900, 900, 900, 900]).samples))
        #expect(step.before.committedOffset == 500 && step.after.committedOffset == 120)
        #expect(step.after.timestamp == 20_000)
        #expect(LagRules.offsetsRewound(History(committed: [100, 100, 120], end: [900, 900, 900]).samples) == nil)
    }

    @Test("rule 3: unowned, and quiet for longer than the window watched before the last move")
    func stopped() {
        // Moved at 10 s, window started at 0: stopped once more than 10 s have passed since the move.
        let moved = History(committed: [100, 110, 110, 110], end: [200, 200, 200, 200], assigned: false).samples
        #expect(LagRules.lastMoveTimestamp(moved) == 10_000)
        #expect(!LagRules.offsetsStopped(moved, now: 20_000))
        #expect(LagRules.offsetsStopped(moved, now: 20_001))
        // A live member holds the partition: never stopped, however long it is quiet.
        let owned = History(committed: [100, 100, 100], end: [200, 200, 200], assigned: true).samples
        #expect(!LagRules.offsetsStopped(owned, now: 1_000_000))
        // No move in the window at all: stopped as soon as any time has passed since its start.
        let flat = History(committed: [100, 100, 100], end: [200, 200, 200], assigned: false).samples
        #expect(LagRules.lastMoveTimestamp(flat) == nil)
        #expect(LagRules.offsetsStopped(flat, now: 20_001))
    }

    @Test("rule 4: the same committed offset in every sample")
    func stalled() {
        #expect(LagRules.offsetsStalled(History(committed: [7, 7, 7], end: [9, 10, 11]).samples))
        #expect(!LagRules.offsetsStalled(History(committed: [7, 7, 8], end: [9, 10, 11]).samples))
    }

    @Test("rule 5: lag never goes down; steady counts as not decreasing")
    func lagNotDecreasing() {
        #expect(LagRules.lagNotDecreasing(History(committed: [0, 10, 20], end: [5, 20, 40]).samples))
        #expect(LagRules.lagNotDecreasing(History(committed: [0, 10, 20], end: [5, 15, 25]).samples))
        #expect(!LagRules.lagNotDecreasing(History(committed: [0, 10, 20], end: [5, 20, 26]).samples))
    }
}
