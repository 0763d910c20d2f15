/// `type: syslog`: where and how to listen.
public struct SyslogSourceConfig: Sendable, Equatable {
    public enum Transport: String, Sendable { case udp, tcp }

    public var transport: Transport = .udp
    public var host = "0.0.0.0"
    /// 0 picks a free port (tests); see `SyslogSource.boundPort()`.
    public var port = 514
    public var maximumFrameBytes = 64 * 1024
    /// For RFC 3164 timestamps, which carry no zone.
    public var zone: TimeZoneRule = .utc

    public init(transport: Transport = .udp, host: String = "0.0.0.0", port: Int = 514) {
        self.transport = transport
        self.host = host
        self.port = port
    }
}
