import Testing
@testable import StreamProcessing

@Suite struct AlertEngineTests {
    static let window = tumbling(60_000)
    static let routeA = GroupKey(fields: ["route"], values: ["/a"])

    static func result(_ minute: Int64, _ value: Double, key: GroupKey = routeA, revision: Int = 0) -> WindowResult {
        WindowResult(aggregation: "traffic", groupKey: key, windowStartMillis: minute * 60_000, windowEndMillis: (minute + 1) * 60_000,
                     revision: revision, isFinal: true, values: ["errors": .number(value)])
    }

    static func engine(_ condition: AlertCondition, cooldownMillis: Int64 = 0) -> AlertEngine {
        AlertEngine(rules: [AlertRuleSpec(name: "r", source: .column(aggregation: "traffic", column: "errors"), condition: condition,
                                          cooldownMillis: cooldownMillis)],
                    windowSpecs: ["traffic": window])
    }

    @Test func thresholdOpensOneAlertPerKeyAndResolvesWhenItClears() {
        var engine = Self.engine(.threshold(.greaterThan, 10))
        #expect(engine.observe(Self.result(0, 5)).isEmpty)
        let fired = engine.observe(Self.result(1, 20))
        #expect(fired.map(\.state) == [.firing])
        #expect(fired.first?.id == "r|route=/a|120000")
        #expect(engine.observe(Self.result(2, 30)).isEmpty)
        #expect(engine.observe(Self.result(3, 40)).isEmpty)
        #expect(engine.metrics.deduplicated == 2)
        // Another key has its own alert.
        let other = engine.observe(Self.result(3, 40, key: GroupKey(fields: ["route"], values: ["/b"])))
        #expect(other.map(\.groupKey.values) == [["/b"]])
        // A late revision does not count.
        #expect(engine.observe(Self.result(4, 1, revision: 1)).isEmpty)
        let resolved = engine.observe(Self.result(4, 1))
        #expect(resolved.map(\.state) == [.resolved])
        #expect(resolved.first?.id == fired.first?.id)
        #expect(resolved.first?.atMillis == 300_000)
    }

    @Test func cooldownSuppressesRefiringAfterResolve() {
        var engine = Self.engine(.threshold(.greaterOrEqual, 10), cooldownMillis: 180_000)
        #expect(engine.observe(Self.result(0, 10)).map(\.state) == [.firing])
        #expect(engine.observe(Self.result(1, 0)).map(\.state) == [.resolved])  // resolved at 120 000
        #expect(engine.observe(Self.result(2, 10)).isEmpty)  // 180 000 < 300 000
        #expect(engine.observe(Self.result(3, 10)).isEmpty)  // 240 000 < 300 000
        #expect(engine.metrics.suppressedByCooldown == 2)
        #expect(engine.observe(Self.result(4, 10)).map(\.state) == [.firing])  // 300 000
    }

    @Test func rateOfChangeComparesWithThePreviousPoint() {
        var engine = Self.engine(.rateOfChange(.greaterThan, 0.5, relative: true))
        #expect(engine.observe(Self.result(0, 100)).isEmpty)
        #expect(engine.observe(Self.result(1, 140)).isEmpty)
        #expect(engine.observe(Self.result(2, 300)).map(\.state) == [.firing])
        #expect(engine.observe(Self.result(3, 310)).map(\.state) == [.resolved])
    }

    @Test func absenceFiresAfterNWindowsWithoutDataAndResolvesWhenDataReturns() {
        var engine = Self.engine(.absence(windows: 3))
        #expect(engine.observe(Self.result(0, 1)).isEmpty)  // data in the window ending at 60 000
        #expect(engine.advance(watermarkMillis: 60_000).isEmpty)
        #expect(engine.advance(watermarkMillis: 239_999).isEmpty)  // two empty windows closed
        let fired = engine.advance(watermarkMillis: 240_000)  // three
        #expect(fired.map(\.state) == [.firing])
        #expect(fired.first?.value == 3)
        #expect(engine.advance(watermarkMillis: 600_000).isEmpty)
        #expect(engine.observe(Self.result(10, 1)).map(\.state) == [.resolved])
    }

    @Test func anomalyRulesFollowDetectorScores() {
        var engine = AlertEngine(rules: [AlertRuleSpec(name: "spike", source: .detector("d"), condition: .anomalyScore(atLeast: 4))],
                                 windowSpecs: [:])
        func verdict(_ minute: Int64, _ score: Double?) -> AnomalyVerdict {
            AnomalyVerdict(detector: "d", groupKey: Self.routeA, windowStartMillis: minute * 60_000, windowEndMillis: (minute + 1) * 60_000,
                           value: 1, score: score, isAnomaly: (score ?? 0) >= 4)
        }
        #expect(engine.observe(verdict(0, nil)).isEmpty)
        #expect(engine.observe(verdict(1, -4.5)).map(\.state) == [.firing])
        #expect(engine.observe(verdict(2, 1)).map(\.state) == [.resolved])
    }
}
