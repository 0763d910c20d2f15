import Foundation
import KafkaClient

/// A consumed record as one JSON object for scripts. Keys, values and headers are UTF-8 strings;
/// bytes that are not valid UTF-8 go in `keyBase64` / `valueBase64` / a header's `valueBase64`
/// instead, so nothing is silently mangled.
struct RecordJSON: Encodable {
    struct Header: Encodable {
        let key: String
        let value: String?
        let valueBase64: String?

        enum CodingKeys: String, CodingKey {
            case key, value, valueBase64
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            if let valueBase64 { try container.encode(valueBase64, forKey: .valueBase64) } else { try container.encode(value, forKey: .value) }
        }
    }

    let topic: String
    let partition: Int32
    let offset: Int64
    let timestamp: Int64?
    let timestampType: String?
    let key: EncodedBytes
    let value: EncodedBytes
    let headers: [Header]

    init(_ message: ConsumedMessage) {
        topic = message.topic
        partition = message.partition
        offset = message.offset
        timestamp = message.timestamp?.milliseconds
        timestampType = message.timestampType?.rawValue
        key = EncodedBytes(message.key)
        value = EncodedBytes(message.value)
        headers = message.headers.map { header in
            let encoded = EncodedBytes(header.value)
            return Header(key: header.key, value: encoded.text, valueBase64: encoded.base64)
        }
    }

    enum CodingKeys: String, CodingKey {
        case topic, partition, offset, timestamp, timestampType, key, keyBase64, value, valueBase64, headers
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(topic, forKey: .topic)
        try container.encode(partition, forKey: .partition)
        try container.encode(offset, forKey: .offset)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(timestampType, forKey: .timestampType)
        try key.encode(into: &container, text: .key, base64: .keyBase64)
        try value.encode(into: &container, text: .value, base64: .valueBase64)
        try container.encode(headers, forKey: .headers)
    }
}

/// Bytes as text when they are valid UTF-8, else as base64; nil stays null.
struct EncodedBytes {
    let text: String?
    let base64: String?

    init(_ bytes: [UInt8]?) {
        guard let bytes else {
            text = nil
            base64 = nil
            return
        }
        if let decoded = String(validating: bytes, as: UTF8.self) {
            text = decoded
            base64 = nil
        } else {
            text = nil
            base64 = Data(bytes).base64EncodedString()
        }
    }

    func encode<Key: CodingKey>(into container: inout KeyedEncodingContainer<Key>, text textKey: Key, base64 base64Key: Key) throws {
        if let base64 { try container.encode(base64, forKey: base64Key) } else { try container.encode(text, forKey: textKey) }
    }
}
