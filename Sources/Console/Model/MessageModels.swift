import Foundation

/// `/api/topics/{name}/messages`: a page of records from one partition.
public struct MessagePage: Codable, Sendable {
    public var topic: String
    public var partition: Int32
    public var earliestOffset: Int64
    public var latestOffset: Int64
    /// Where reading started (after clamping to the partition's offsets or resolving a timestamp).
    public var startOffset: Int64
    /// Where the next page starts.
    public var nextOffset: Int64
    public var messages: [BrowsedMessage]
}

public struct BrowsedMessage: Codable, Sendable {
    public var offset: Int64
    /// Milliseconds since the epoch.
    public var timestamp: Int64?
    /// "CreateTime" or "LogAppendTime".
    public var timestampType: String?
    /// nil for a null key or value (a tombstone).
    public var key: Payload?
    public var value: Payload?
    public var headers: [BrowsedHeader]
}

public struct BrowsedHeader: Codable, Sendable {
    public var key: String
    public var value: Payload?
}

/// Bytes as text when they are UTF-8, else base64, so any record survives JSON.
public struct Payload: Codable, Sendable, Hashable {
    /// "utf8" or "base64".
    public var encoding: String
    public var data: String
    /// The size in bytes.
    public var size: Int

    init(_ bytes: [UInt8]) {
        size = bytes.count
        if let text = String(validating: bytes, as: UTF8.self) {
            encoding = "utf8"
            data = text
        } else {
            encoding = "base64"
            data = Data(bytes).base64EncodedString()
        }
    }

    /// The text as a person should read it: UTF-8 as is, other bytes as labelled base64.
    var displayText: String { encoding == "utf8" ? data : "base64:" + data }
}
