/// How a sink turns an event into a record value.
public enum EventEncoding: String, Sendable, CaseIterable {
    /// One JSON object with a fixed member order: `timestamp` (RFC 3339, UTC, milliseconds), `host`,
    /// `source`, `service`, `severity`, `message`, `fields` (keys sorted), then `raw` and
    /// `parse_error` only for an event whose parsing failed. Absent optional members are omitted.
    /// Equal events always encode to equal bytes.
    case json
    /// The line exactly as read, UTF-8, without a terminator.
    case raw

    public func encode(_ event: LogEvent) -> [UInt8] {
        var output: [UInt8] = []
        var encoder = Encoder(self)
        encoder.encode(event, into: &output)
        return output
    }

    /// Encodes events one after another, carrying over what the next event probably shares: the
    /// sorted order of the field names (events of one parser have the same ones, so they are not
    /// sorted again for each). The output is the same as `encode`'s.
    public struct Encoder {
        public let encoding: EventEncoding
        private var fieldOrder: [String] = []

        public init(_ encoding: EventEncoding) { self.encoding = encoding }

        /// Appends the encoded event to `output` (a buffer reused for many events saves allocating one each).
        public mutating func encode(_ event: LogEvent, into output: inout [UInt8]) {
            encoding.encode(event, into: &output, fieldOrder: &fieldOrder)
        }
    }

    private func encode(_ event: LogEvent, into output: inout [UInt8], fieldOrder: inout [String]) {
        switch self {
        case .raw: output.append(contentsOf: event.raw.utf8)
        case .json:
            // Written straight into one buffer in the documented member order.
            output.reserveCapacity(output.count + 2 * event.raw.utf8.count + 64 * event.fields.count + 128)
            var first = true
            func key(_ name: StaticString) {
                output.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
                first = false
                output.append(UInt8(ascii: "\""))
                output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                output.append(contentsOf: "\":".utf8)
            }
            key("timestamp")
            output.append(UInt8(ascii: "\""))
            CivilTime.writeRFC3339(milliseconds: event.timestamp, to: &output)
            output.append(UInt8(ascii: "\""))
            key("host")
            JSONWriter.writeString(event.host, to: &output)
            key("source")
            JSONWriter.writeString(event.source, to: &output)
            if let service = event.service {
                key("service")
                JSONWriter.writeString(service, to: &output)
            }
            if let severity = event.severity {
                key("severity")
                JSONWriter.writeString(severity.name, to: &output)
            }
            key("message")
            JSONWriter.writeString(event.message, to: &output)
            key("fields")
            JSONWriter.writeObject(event.fields, order: &fieldOrder, to: &output)
            if let parseError = event.parseError {
                key("raw")
                JSONWriter.writeString(event.raw, to: &output)
                key("parse_error")
                JSONWriter.writeString(parseError, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}
