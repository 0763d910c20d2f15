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
        await notifier.wait(for: [key], since: snapshot, timeout: .seconds(60), on: MultiThreadedEventLoopGroup.singleton.any())
        #expect(NIODeadline.now() - started < .seconds(30))
    }

    @Test func anAppendToTheWaitedPartitionWakesTheWaiter() async {
        let notifier = AppendNotifier()
        let snapshot = notifier.snapshot([key])
        let started = NIODeadline.now()
        // Notify from an event loop thread: parallel CPU-heavy tests may keep the task pool busy.
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        loop.scheduleTask(in: .milliseconds(50)) { notifier.notify(key) }
        await notifier.wait(for: [key], since: snapshot, timeout: .seconds(60), on: loop)
        // Woken by the append, not by the 60 s timeout.
        #expect(NIODeadline.now() - started < .seconds(30))
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
