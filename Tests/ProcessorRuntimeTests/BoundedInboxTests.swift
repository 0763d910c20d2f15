import Testing
@testable import ProcessorRuntime

@Suite struct BoundedInboxTests {
    struct ProducerFailed: Error, Equatable {}

    @Test func itemsComeOutInOrderUpToTheLimit() async throws {
        let inbox = BoundedInbox<Int>(capacity: 10)
        for item in 1...5 { await inbox.put(item) }
        #expect(try await inbox.take(limit: 3, waitingUpTo: .seconds(5)) == [1, 2, 3])
        #expect(try await inbox.take(limit: 3, waitingUpTo: .seconds(5)) == [4, 5])
    }

    @Test func anEmptyTakeReturnsNothingOnceItsWaitIsOver() async throws {
        let inbox = BoundedInbox<Int>(capacity: 10)
        let clock = ContinuousClock()
        let started = clock.now
        #expect(try await inbox.take(limit: 10, waitingUpTo: .milliseconds(50)).isEmpty)
        #expect(clock.now - started >= .milliseconds(50))
    }

    @Test func aWaitingTakeWakesForTheFirstItem() async throws {
        let inbox = BoundedInbox<Int>(capacity: 10)
        let taker = Task { try await inbox.take(limit: 10, waitingUpTo: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(20))
        await inbox.put(7)
        let clock = ContinuousClock()
        let started = clock.now
        #expect(try await taker.value == [7])
        #expect(clock.now - started < .seconds(10))
    }

    @Test func aFullInboxMakesThePutterWaitForRoom() async throws {
        let inbox = BoundedInbox<Int>(capacity: 2)
        await inbox.put(1)
        await inbox.put(2)
        let putter = Task {
            await inbox.put(3)
            return true
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await inbox.take(limit: 10, waitingUpTo: .zero) == [1, 2])
        #expect(await putter.value)
        #expect(try await inbox.take(limit: 10, waitingUpTo: .seconds(5)) == [3])
    }

    @Test func finishingHandsOverWhatIsLeftThenEndsOrFails() async throws {
        let clean = BoundedInbox<Int>(capacity: 10)
        await clean.put(1)
        clean.finish()
        await clean.put(2)  // dropped: the producer has ended
        #expect(try await clean.take(limit: 10, waitingUpTo: .seconds(30)) == [1])
        #expect(try await clean.take(limit: 10, waitingUpTo: .seconds(30)).isEmpty)

        let failed = BoundedInbox<Int>(capacity: 10)
        let taker = Task { try await failed.take(limit: 10, waitingUpTo: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(20))
        failed.finish(ProducerFailed())
        await #expect(throws: ProducerFailed.self) { try await taker.value }
    }

    @Test func discardedItemsNeverComeOutAndFreeRoomForAWaitingProducer() async throws {
        let inbox = BoundedInbox<Int>(capacity: 3)
        for item in 1...3 { await inbox.put(item) }
        let putter = Task {
            await inbox.put(4)
            return true
        }
        try await Task.sleep(for: .milliseconds(50))
        inbox.discard { $0 % 2 == 1 }
        #expect(await putter.value)
        #expect(try await inbox.take(limit: 10, waitingUpTo: .seconds(5)) == [2, 4])
        inbox.discard { _ in true }
        #expect(try await inbox.take(limit: 10, waitingUpTo: .milliseconds(20)).isEmpty)
    }
}
