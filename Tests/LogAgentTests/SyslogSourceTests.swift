import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import LogAgent

/// Syslog over real sockets on 127.0.0.1 with ephemeral ports.
@Suite struct SyslogSourceTests {
    /// Collects what a source emits.
    final class Collector: Sendable {
        private let events = NIOLockedValueBox<[LogEvent]>([])

        var emitter: EventEmitter {
            EventEmitter { [events] batch in
                events.withLockedValue { $0.append(contentsOf: batch.events.map(\.event)) }
                return true
            }
        }

        var received: [LogEvent] { events.withLockedValue { $0 } }

        func waitFor(count: Int) async -> Bool {
            for _ in 0..<1000 {
                if received.count >= count { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return false
        }
    }

    func send(_ payloads: [String], port: Int, type: Int32) throws {
        let descriptor = socket(AF_INET, type, 0)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        for payload in payloads {
            let bytes = Array(payload.utf8)
            #expect(bytes.withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, 0) } == bytes.count)
        }
    }

    @Test func udpDatagramsBecomeEvents() async throws {
        var config = SyslogSourceConfig(transport: .udp, host: "127.0.0.1", port: 0)
        config.zone = .utc
        let source = SyslogSource(config: config)
        let collector = Collector()
        let task = Task { try await source.run(emitter: collector.emitter) }
        let port = try #require(await source.boundPort())
        try send([
            "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] hello\n",
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
            "<999>broken",
        ], port: port, type: Int32(SOCK_DGRAM.rawValue))
        #expect(await collector.waitFor(count: 3))
        task.cancel()
        try await task.value
        let events = collector.received.sorted { $0.raw < $1.raw }
        #expect(events.map(\.message) == ["hello", "'su root' failed", "<999>broken"])
        #expect(events.map(\.host) == ["mymachine.example.com", "mymachine", "127.0.0.1"])
        #expect(events.map(\.service) == ["evntslog", "su", nil])
        #expect(events.map(\.severity) == [.notice, .critical, nil])
        #expect(events[0].fields["structured_data"] == ["exampleSDID@32473": ["iut": "3"]])
        #expect(events[2].parseError == "not a syslog message: PRI 999 out of range 0-191")
        #expect(events.allSatisfy { $0.source == "syslog://127.0.0.1" })
    }

    @Test func tcpFramingWithOctetCountingAndNewlines() async throws {
        let source = SyslogSource(config: SyslogSourceConfig(transport: .tcp, host: "127.0.0.1", port: 0))
        let collector = Collector()
        let task = Task { try await source.run(emitter: collector.emitter) }
        let port = try #require(await source.boundPort())
        let octetCounted = "<13>1 - host app - - - multi\nline"
        try send([
            "\(octetCounted.utf8.count) \(octetCounted)",
            "<14>Mar  5 08:00:01 web-1 sshd[42]: first\n<14>Mar  5 08:00:02 web-1 sshd[42]: sec",
            "ond\r\n<14>Mar  5 08:00:03 web-1 sshd[42]: unterminated at close",
        ], port: port, type: Int32(SOCK_STREAM.rawValue))
        #expect(await collector.waitFor(count: 4))
        task.cancel()
        try await task.value
        #expect(collector.received.map(\.message) == ["multi\nline", "first", "second", "unterminated at close"])
        #expect(collector.received.map(\.service) == ["app", "sshd", "sshd", "sshd"])
        #expect(collector.received.dropFirst().allSatisfy { $0.fields["procid"] == "42" && $0.host == "web-1" })
    }

    @Test func aPortInUseIsReportedNotAwaitedForever() async throws {
        let first = SyslogSource(config: SyslogSourceConfig(transport: .tcp, host: "127.0.0.1", port: 0))
        let running = Task { try await first.run(emitter: Collector().emitter) }
        let port = try #require(await first.boundPort())
        // Without SO_REUSEPORT a second listener on the same TCP port is refused.
        let second = SyslogSource(config: SyslogSourceConfig(transport: .tcp, host: "127.0.0.1", port: port))
        let failing = Task { try await second.run(emitter: Collector().emitter) }
        #expect(await second.boundPort() == nil)
        await #expect(throws: PipelineError.self) { try await failing.value }
        running.cancel()
        try await running.value
    }
}
