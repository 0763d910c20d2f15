import NIOCore
import NIOPosix
import Testing

@testable import Broker

@Suite struct AppendNotifierTests {
    let key = TopicPartitionKey(topic: "logs", partition: 0)
    let other = TopicPartitionKey(topic: "logs", partition: 1)

    @Test func anAppendBetweenReadAndWaitIsNotMissed() async {
        let notifier = AppendNotifier()
        let snapshot = notifier.snapshot([key])
        notifier.notify(key)  // arrives after the fetch read, before it waits
        let started = NIODeadline.now()
        await notifier.wait(for: [key], since: snapshot, timeout: .seconds(5), on: MultiThreadedEventLoopGroup.singleton.any())
        #expect(NIODeadline.now() - started < .seconds(1))
    }

    @Test func anAppendToTheWaitedPartitionWakesTheWaiter() async {
        let notifier = AppendNotifier()
        let snapshot = notifier.snapshot([key])
        let started = NIODeadline.now()
        Task {
            try await Task.sleep(for: .milliseconds(50))
            notifier.notify(key)
        }
        await notifier.wait(for: [key], since: snapshot, timeout: .seconds(5), on: MultiThreadedEventLoopGroup.singleton.any())
        #expect(NIODeadline.now() - started < .seconds(2))
    }

    @Test func appendsElsewhereDoNotEndTheWaitEarly() async {
        let notifier = AppendNotifier()
        let snapshot = notifier.snapshot([key])
        notifier.notify(other)
        let started = NIODeadline.now()
        await notifier.wait(for: [key], since: snapshot, timeout: .milliseconds(200), on: MultiThreadedEventLoopGroup.singleton.any())
        #expect(NIODeadline.now() - started >= .milliseconds(200))
    }
}
