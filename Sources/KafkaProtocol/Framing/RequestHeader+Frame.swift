import NIOCore

extension RequestHeader {
    /// Decodes the header at the start of a request (a frame without its 4-byte size prefix), using the
    /// header version that the api key and version it starts with call for, and leaves `buffer` at the
    /// request body. Throws for an api key this codec does not know, naming it and the correlation id.
    public init(fromRequest buffer: inout ByteBuffer) throws {
        guard let rawApiKey = buffer.getInteger(at: buffer.readerIndex, as: Int16.self),
            let apiVersion = buffer.getInteger(at: buffer.readerIndex + 2, as: Int16.self),
            let correlationId = buffer.getInteger(at: buffer.readerIndex + 4, as: Int32.self)
        else {
            throw ProtocolDecodingError.truncated("request header")
        }
        guard let apiKey = ApiKey(rawValue: rawApiKey) else {
            throw ProtocolDecodingError("unknown api key \(rawApiKey) (correlation id \(correlationId))")
        }
        try self.init(from: &buffer, version: apiKey.requestHeaderVersion(apiVersion))
    }

    /// The API this request is for; nil for an api key this codec does not know.
    public var apiKey: ApiKey? { ApiKey(rawValue: requestApiKey) }
}
