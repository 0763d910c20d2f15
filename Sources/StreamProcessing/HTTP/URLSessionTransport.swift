import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `HTTPTransport` over Foundation's URLSession (FoundationNetworking on Linux): enough for batched inserts
/// and webhooks, without pulling a second HTTP stack into the build.
public struct URLSessionTransport: HTTPTransport {
    private let timeoutSeconds: Double

    public init(timeoutSeconds: Double = 30) {
        self.timeoutSeconds = timeoutSeconds
    }

    public func send(_ request: OutgoingHTTPRequest) async throws -> HTTPResponseSummary {
        guard let url = URL(string: request.url) else { throw HTTPTransportError.invalidURL(request.url) }
        var urlRequest = URLRequest(url: url, timeoutInterval: timeoutSeconds)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = Data(request.body)
        let (data, response) = try await URLSession.shared.data(for: urlRequest)
        guard let http = response as? HTTPURLResponse else { throw HTTPTransportError.noHTTPResponse(url: request.url) }
        return HTTPResponseSummary(status: http.statusCode, body: [UInt8](data))
    }
}
