import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Receives syslog over UDP (one message per datagram) or TCP (RFC 6587 framing, see
/// `SyslogFrameDecoder`), parses each message (`SyslogParser`) and emits it. A message that does
/// not parse is still emitted, as its raw text with `parseError` set. TCP connections are read
/// with backpressure: a connection is not read further while the pipeline is full. UDP cannot be
/// slowed down; datagrams the kernel's buffer cannot hold are lost, as with any syslog receiver.
public final class SyslogSource: EventSource {
    public let config: SyslogSourceConfig
    private let parser: SyslogParser
    private let group: any EventLoopGroup
    private let binding = NIOLockedValueBox(Binding())

    /// The listening port once known; `failed` when binding threw; callers of `boundPort()`
    /// waiting until one of the two.
    private struct Binding {
        var port: Int?
        var failed = false
        var waiters: [CheckedContinuation<Int?, Never>] = []
    }

    public init(config: SyslogSourceConfig, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.config = config
        self.parser = SyslogParser(zone: config.zone)
        self.group = group
    }

    /// The port listened on, once `run` has bound it (waits until then); nil when binding failed.
    public func boundPort() async -> Int? {
        await withCheckedContinuation { continuation in
            let known = binding.withLockedValue { binding -> Int?? in
                if binding.port != nil || binding.failed { return .some(binding.port) }
                binding.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    public func run(emitter: EventEmitter) async throws {
        do {
            switch config.transport {
            case .udp: try await runUDP(emitter)
            case .tcp: try await runTCP(emitter)
            }
        } catch is CancellationError {
            // Shutdown: the listener is closed; that is how this source ends.
        } catch {
            didBind(port: nil)
            throw PipelineError(component: "syslog \(config.transport) \(config.host):\(config.port)", message: "\(error)")
        }
    }

    public func shutdown() async throws {}

    /// Records the bound port (nil: binding failed) and wakes `boundPort()` callers.
    private func didBind(port: Int?) {
        let waiters = binding.withLockedValue { binding -> [CheckedContinuation<Int?, Never>] in
            guard binding.port == nil, !binding.failed else { return [] }
            binding.port = port
            binding.failed = port == nil
            defer { binding.waiters = [] }
            return binding.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    private func event(from frame: ByteBuffer, peer: String) -> PipelineEvent {
        var bytes = frame.readableBytesView[...]
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") || last == 0 {
            bytes = bytes.dropLast()
        }
        let line = String(decoding: bytes, as: UTF8.self)
        let now = WallClock.nowMilliseconds()
        do {
            return PipelineEvent(try parser.parse(line, receivedAt: now).event(raw: line, peer: peer, receivedAt: now))
        } catch {
            return PipelineEvent(LogEvent(timestamp: now, host: peer, source: "syslog://" + peer, message: line,
                                          parseError: error.description))
        }
    }

    private func runUDP(_ emitter: EventEmitter) async throws {
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: config.host, port: config.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        didBind(port: channel.channel.localAddress?.port)
        try await channel.executeThenClose { inbound, _ in
            for try await datagram in inbound {
                let peer = datagram.remoteAddress.ipAddress ?? "unknown"
                guard await emitter.emit([event(from: datagram.data, peer: peer)]) else { return }
            }
        }
    }

    private func runTCP(_ emitter: EventEmitter) async throws {
        let maximumFrameBytes = config.maximumFrameBytes
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: config.host, port: config.port) { connection in
                connection.eventLoop.makeCompletedFuture {
                    try connection.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(SyslogFrameDecoder(maximumFrameBytes: maximumFrameBytes)))
                    return try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: connection)
                }
            }
        didBind(port: server.channel.localAddress?.port)
        try await server.executeThenClose { connections in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in connections {
                    group.addTask {
                        let peer = connection.channel.remoteAddress?.ipAddress ?? "unknown"
                        try? await connection.executeThenClose { frames, _ in
                            for try await frame in frames {
                                guard await emitter.emit([self.event(from: frame, peer: peer)]) else { return }
                            }
                        }
                    }
                }
            }
        }
    }
}
