import Foundation
import HTTPTypes
import Hummingbird

/// The console's responses: JSON for the API (keys sorted, so the text is stable), HTML for pages,
/// with headers that keep a page from loading anything but itself.
enum Replies {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return body(try encoder.encode(value), contentType: "application/json; charset=utf-8", status: status)
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = body(Data(page.utf8), contentType: "text/html; charset=utf-8", status: status)
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'"
        return response
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        body(Data(text.utf8), contentType: contentType, status: status)
    }

    static func jsonError(_ error: any Error) -> Response {
        let reply = ErrorReply(error)
        return (try? json(["error": reply.message], status: reply.status)) ?? text(reply.message, contentType: "text/plain; charset=utf-8", status: reply.status)
    }

    private static func body(_ data: Data, contentType: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(data.count)
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
