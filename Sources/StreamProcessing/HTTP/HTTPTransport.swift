/// An HTTP request as the sinks and notifiers build it: fully formed, so tests can compare it byte for byte.
public struct OutgoingHTTPRequest: Hashable, Sendable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [String: String], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponseSummary: Hashable, Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    public var bodyText: String { String(decoding: body.prefix(2048), as: UTF8.self) }
}

/// Sends one request and returns the response, whatever its status; throws only when no response came.
public protocol HTTPTransport: Sendable {
    func send(_ request: OutgoingHTTPRequest) async throws -> HTTPResponseSummary
}

public enum HTTPTransportError: Error, CustomStringConvertible {
    /// No response came (bad URL, no connection, timeout, TLS failure); `reason` says which.
    case failed(url: String, reason: String)

    public var description: String {
        switch self {
        case .failed(let url, let reason): return "no HTTP response from \(url): \(reason)"
        }
    }
}
