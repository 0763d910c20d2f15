import Foundation
import StreamProcessing

/// One request of the sample web shop (`WebTrafficGenerator`), before it is written as a log line.
public struct WebRequest: Sendable, Equatable {
    public var timestampMillis: Int64
    public var address: String
    public var userID: String
    public var sessionID: String
    public var method: String
    public var path: String
    public var status: Int
    public var bytes: Int
    public var latencyMillis: Double
    /// "-" when the request had none, as nginx writes it.
    public var referer: String
    public var userAgent: String

    /// The line nginx writes with `log_format main '$remote_addr - $remote_user [$time_local] "$request" $status
    /// $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'`: the combined format (seconds
    /// resolution, UTC) followed by the request time in seconds with millisecond precision.
    public func accessLogLine() -> String {
        "\(address) - - [\(Self.commonLogTime(timestampMillis))] \"\(method) \(path) HTTP/1.1\" \(status) \(bytes) "
            + "\"\(referer)\" \"\(userAgent)\" " + String(format: "%.3f", latencyMillis / 1000)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `25/Nov/2026:10:00:00 +0000`.
    static func commonLogTime(_ millis: Int64) -> String {
        let civil = CivilTime.format(millis: millis)  // `2026-11-25 10:00:00.250`
        let parts = civil.split(separator: " ")
        let date = parts[0].split(separator: "-")
        let month = months[(Int(date[1]) ?? 1) - 1]
        return "\(date[2])/\(month)/\(date[0]):\(parts[1].prefix(8)) +0000"
    }
}
