import Foundation
import Testing
@testable import StreamProcessing

/// `CurlTransport` against a one-request HTTP server on a real loopback socket.
@Suite struct CurlTransportTests {
    /// Accepts one connection, reads the request head and `Content-Length` bytes of body, answers
    /// `reply`, and hands back what it read.
    final class OneShotServer: @unchecked Sendable {
        let port: Int
        private let listener: Int32
        private let received = DispatchSemaphore(value: 0)
        private var request = ""

        /// Listens only with a `reply`; without, the port refuses connections while the server lives.
        init(reply: String?) throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.listener = listener
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bind(listener, address, length) == 0 && (reply == nil || listen(listener, 1) == 0)
                        && getsockname(listener, address, &length) == 0
                }
            }
            try #require(bound)
            port = Int(UInt16(bigEndian: address.sin_port))
            guard let reply else { return }
            Thread { [self] in
                let connection = accept(listener, nil, nil)
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !isComplete(bytes) {
                    let count = read(connection, &buffer, buffer.count)
                    guard count > 0 else { break }
                    bytes += buffer[0..<count]
                }
                request = String(decoding: bytes, as: UTF8.self)
                _ = Array(reply.utf8).withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                close(connection)
                received.signal()
            }.start()
        }

        deinit { close(listener) }

        /// The request as the server read it (waits for it).
        func receivedRequest() -> String {
            received.wait()
            return request
        }

        private func isComplete(_ bytes: [UInt8]) -> Bool {
            let text = String(decoding: bytes, as: UTF8.self)
            guard let headEnd = text.range(of: "\r\n\r\n") else { return false }
            let length = text[..<headEnd.lowerBound].split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            return text[headEnd.upperBound...].utf8.count >= length
        }
    }

    @Test func postsTheBodyWithTheHeadersAndReturnsStatusAndBody() async throws {
        let server = try OneShotServer(reply: "HTTP/1.1 201 Created\r\nContent-Length: 6\r\nConnection: close\r\n\r\nstored")
        let request = OutgoingHTTPRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/insert?table=t",
                                          headers: ["X-Token": "secret"], body: Array("{\"n\":1}".utf8))
        let response = try await CurlTransport().send(request)
        let received = server.receivedRequest()
        #expect(received.hasPrefix("POST /insert?table=t HTTP/1.1\r\n"))
        #expect(received.contains("\r\nX-Token: secret\r\n"))
        #expect(!received.contains("Expect:"))
        #expect(received.hasSuffix("\r\n\r\n{\"n\":1}"))
        #expect(response == HTTPResponseSummary(status: 201, body: Array("stored".utf8)))
    }

    @Test func noResponseIsAnErrorNamingTheURLAndTheReason() async throws {
        let refusing = try OneShotServer(reply: nil)
        let url = "http://127.0.0.1:\(refusing.port)/"
        let error = await #expect(throws: HTTPTransportError.self) {
            try await CurlTransport(timeoutSeconds: 5).send(OutgoingHTTPRequest(method: "POST", url: url, headers: [:], body: []))
        }
        #expect(error?.description.hasPrefix("no HTTP response from \(url): ") == true)
    }
}
