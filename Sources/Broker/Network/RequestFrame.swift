import KafkaProtocol
import NIOCore

/// A request frame with its header read and its body left as bytes for the API's handler.
struct RequestFrame: Sendable {
    /// The raw api key; `apiKey` is nil when the broker does not know it.
    let rawApiKey: Int16
    let apiKey: ApiKey?
    let apiVersion: Int16
    let correlationID: Int32
    let clientID: String?
    /// The request body after the header.
    var body: ByteBuffer
    let client: ClientConnection

    init(frame: ByteBuffer, client: ClientConnection) throws {
        var frame = frame
        guard let rawKey = frame.getInteger(at: frame.readerIndex, as: Int16.self),
            let version = frame.getInteger(at: frame.readerIndex + 2, as: Int16.self)
        else { throw ProtocolDecodingError.truncated("request header") }
        self.rawApiKey = rawKey
        self.apiVersion = version
        self.client = client
        let key = ApiKey(rawValue: rawKey)
        self.apiKey = key
        // A version the broker does not know still has a header we can read: flexible versions only
        // grow, so a version above the known range uses the newest header.
        let headerVersion: Int16
        if let key {
            headerVersion = key.requestHeaderVersion(min(version, key.validVersions.upperBound))
        } else {
            headerVersion = 1
        }
        let header = try RequestHeader(from: &frame, version: headerVersion)
        self.correlationID = header.correlationId
        self.clientID = header.clientId
        self.body = frame
    }

    var apiKeyDescription: String {
        if let apiKey { return "\(apiKey.name) v\(apiVersion)" }
        return "unknown api key \(rawApiKey) v\(apiVersion)"
    }
}

/// A response ready to write: its parts (size prefix included) and what to release after writing
/// (file handles backing sendfile regions).
struct EncodedResponse: Sendable {
    let parts: [IOData]
    let onWritten: (@Sendable () -> Void)?

    /// Nothing to send: Produce with acks=0 gets no response.
    static let none = EncodedResponse(parts: [], onWritten: nil)

    func release() {
        onWritten?()
    }

    /// Frames `body` with its size prefix and response header.
    static func encode<Response: KafkaResponse>(
        _ body: Response, version: Int16, correlationID: Int32
    ) -> EncodedResponse {
        var writer = KafkaWriter(capacity: 256)
        writer.writeInt32(0)  // size, patched below
        writer.writeInt32(correlationID)
        if Response.apiKey.responseHeaderVersion(version) >= 1 {
            writer.writeEmptyTaggedFields()
        }
        body.encode(to: &writer, version: version)
        writer.setInt32(Int32(writer.byteCount - 4), atMessageOffset: 0)
        return EncodedResponse(parts: writer.parts(), onWritten: nil)
    }
}
