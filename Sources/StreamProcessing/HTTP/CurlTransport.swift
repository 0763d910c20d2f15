import CCurl
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// `HTTPTransport` over libcurl (HTTP and HTTPS), enough for batched inserts and webhooks.
/// libcurl is loaded when the first request is sent, so a `logport` that never sends HTTP (every
/// role but `process` with a ClickHouse sink or alert webhooks) does not map it nor the TLS,
/// Kerberos and LDAP libraries it pulls in, 3-4 MB of resident memory; and the binary needs no
/// libcurl at build time. Requests run on NIO's blocking thread pool, off the cooperative pool.
public struct CurlTransport: HTTPTransport {
    private let timeoutMilliseconds: Int

    public init(timeoutSeconds: Double = 30) {
        timeoutMilliseconds = Int(timeoutSeconds * 1000)
    }

    public func send(_ request: OutgoingHTTPRequest) async throws -> HTTPResponseSummary {
        try await NIOThreadPool.singleton.runIfActive { [timeoutMilliseconds] in
            try Self.perform(request, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    private static func perform(_ request: OutgoingHTTPRequest, timeoutMilliseconds: Int) throws -> HTTPResponseSummary {
        let headerLines = request.headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        var response = logport_curl_response()
        var error = [CChar](repeating: 0, count: 512)
        let result = withCStrings(headerLines) { headers in
            request.body.withUnsafeBytes { body in
                logport_curl_request(request.method, request.url, headers, headers.count, body.baseAddress, body.count,
                                     timeoutMilliseconds, &response, &error, error.count)
            }
        }
        defer { logport_curl_response_free(&response) }
        guard result == 0 else {
            throw HTTPTransportError.failed(url: request.url, reason: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let body = response.body.map { Array(UnsafeBufferPointer(start: $0, count: response.body_length)) } ?? []
        return HTTPResponseSummary(status: response.status, body: body)
    }
}

/// Calls `body` with `strings` as C strings that live until it returns.
private func withCStrings<Result>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> Result) -> Result {
    let copies = strings.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { UnsafePointer($0) })
}
