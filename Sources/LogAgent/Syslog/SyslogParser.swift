/// Parses one syslog message, choosing the format by its header: `<PRI>` followed by a version
/// digit is RFC 5424, anything else is read as RFC 3164 (BSD), whose loose real-world variants are
/// accepted (see `parseRFC3164`).
public struct SyslogParser: Sendable {
    /// The zone for timestamps that carry no offset (all of RFC 3164's).
    public let zone: TimeZoneRule

    public init(zone: TimeZoneRule = .utc) { self.zone = zone }

    public func parse(_ line: String, receivedAt: Int64) throws(SyslogParseError) -> SyslogMessage {
        var scanner = TextScanner(line)
        let priority = try scanner.syslogPriority()
        let afterPriority = scanner.position
        if priority != nil, let version = scanner.digits(maximum: 2), scanner.skip(UInt8(ascii: " ")) {
            return try parseRFC5424(&scanner, priority: priority ?? 13, version: version, receivedAt: receivedAt)
        }
        scanner.position = afterPriority
        return parseRFC3164(&scanner, priority: priority ?? 13, receivedAt: receivedAt)
    }

    // MARK: RFC 5424

    private func parseRFC5424(
        _ scanner: inout TextScanner, priority: Int, version: Int, receivedAt: Int64
    ) throws(SyslogParseError) -> SyslogMessage {
        guard version == 1 else { throw SyslogParseError(reason: "unsupported RFC 5424 version \(version)") }
        var message = SyslogMessage(facility: priority / 8, severity: Severity(rawValue: priority % 8) ?? .notice,
                                    version: version, message: "")
        let timestampText = try scanner.headerField("TIMESTAMP")
        if let timestampText {
            guard let parsed = TextScanner.parseWhole(timestampText, { $0.rfc3339() }),
                let instant = TimestampParser(formats: [], zone: zone).instant(
                    of: parsed.time, offset: parsed.offset, reference: receivedAt)
            else { throw SyslogParseError(reason: "invalid TIMESTAMP '\(timestampText)'") }
            message.timestamp = instant
        }
        message.hostname = try scanner.headerField("HOSTNAME")
        message.appName = try scanner.headerField("APP-NAME")
        message.procID = try scanner.headerField("PROCID")
        message.msgID = try scanner.headerField("MSGID", last: true)
        message.structuredData = try scanner.structuredData()
        if scanner.skip(UInt8(ascii: " ")) {
            _ = scanner.skip("\u{FEFF}")
            message.message = scanner.remainder
        } else if !scanner.isAtEnd {
            throw SyslogParseError(reason: "expected a space after STRUCTURED-DATA")
        }
        return message
    }

    // MARK: RFC 3164

    /// BSD syslog as found in the wild: `Mmm dd hh:mm:ss` (fraction tolerated) or an RFC 3339
    /// timestamp, or none; then HOSTNAME unless the next word already looks like a TAG
    /// (`name:` / `name[pid]:`, as local daemons send without a host); then TAG, else the rest is
    /// the message. Never fails: whatever does not fit the header is message text.
    func parseRFC3164(_ scanner: inout TextScanner, priority: Int, receivedAt: Int64) -> SyslogMessage {
        var message = SyslogMessage(facility: priority / 8, severity: Severity(rawValue: priority % 8) ?? .notice,
                                    message: "")
        message.timestamp = bsdTimestamp(&scanner, receivedAt: receivedAt)
        if message.timestamp != nil { scanner.skipSpaces() }
        let afterTimestamp = scanner.position
        if message.timestamp != nil, scanner.bsdTag() == nil {
            scanner.position = afterTimestamp
            let word = scanner.token(until: [0x20])
            if !word.isEmpty, scanner.skipSpaces() {
                message.hostname = word
            } else {
                scanner.position = afterTimestamp
            }
        } else {
            scanner.position = afterTimestamp
        }
        let beforeTag = scanner.position
        if let tag = scanner.bsdTag() {
            message.appName = tag.name
            message.procID = tag.procID
            scanner.skipSpaces()
        } else {
            scanner.position = beforeTag
        }
        message.message = scanner.remainder
        return message
    }

    private func bsdTimestamp(_ scanner: inout TextScanner, receivedAt: Int64) -> Int64? {
        let start = scanner.position
        let parser = TimestampParser(formats: [], zone: zone)
        if let parsed = scanner.rfc3339(), scanner.current == 0x20 || scanner.isAtEnd {
            return parser.instant(of: parsed.time, offset: parsed.offset, reference: receivedAt)
        }
        scanner.position = start
        guard var parsed = scanner.timestamp(pattern: "%b %e %H:%M:%S") else { return nil }
        if scanner.skip(UInt8(ascii: ".")), let fraction = scanner.fractionMilliseconds() {
            parsed.time.millisecond = fraction
        }
        guard scanner.current == 0x20 || scanner.isAtEnd,
            let instant = parser.instant(of: parsed.time, offset: nil, reference: receivedAt)
        else {
            scanner.position = start
            return nil
        }
        return instant
    }
}

extension TextScanner {
    /// `<PRI>` with PRI 0–191; nil when the text does not start with `<`.
    mutating func syslogPriority() throws(SyslogParseError) -> Int? {
        guard skip(UInt8(ascii: "<")) else { return nil }
        guard let value = digits(maximum: 3), skip(UInt8(ascii: ">")) else {
            throw SyslogParseError(reason: "malformed PRI")
        }
        guard value <= 191 else { throw SyslogParseError(reason: "PRI \(value) out of range 0-191") }
        return value
    }

    /// One space-terminated RFC 5424 header field; nil for the NILVALUE `-`.
    mutating func headerField(_ name: String, last: Bool = false) throws(SyslogParseError) -> String? {
        let value = token(until: [0x20])
        guard !value.isEmpty else { throw SyslogParseError(reason: "missing \(name)") }
        guard skip(UInt8(ascii: " ")) else {
            throw SyslogParseError(reason: last ? "missing STRUCTURED-DATA" : "header ends after \(name)")
        }
        return value == "-" ? nil : value
    }

    /// `-` or one or more `[id name="value" …]` elements; `\"`, `\\` and `\]` are unescaped.
    mutating func structuredData() throws(SyslogParseError) -> [SyslogMessage.StructuredElement] {
        if skip(UInt8(ascii: "-")) { return [] }
        var elements: [SyslogMessage.StructuredElement] = []
        while skip(UInt8(ascii: "[")) {
            let id = token(until: [0x20, UInt8(ascii: "]")])
            guard !id.isEmpty else { throw SyslogParseError(reason: "SD-ELEMENT without an SD-ID") }
            var element = SyslogMessage.StructuredElement(id: id, parameters: [])
            while skip(UInt8(ascii: " ")) {
                let name = token(until: [UInt8(ascii: "="), 0x20, UInt8(ascii: "]")])
                guard !name.isEmpty, skip(UInt8(ascii: "=")), skip(UInt8(ascii: "\"")) else {
                    throw SyslogParseError(reason: "malformed SD-PARAM in [\(id)]")
                }
                element.parameters.append(.init(name: name, value: try quotedParameterValue(in: id)))
            }
            guard skip(UInt8(ascii: "]")) else { throw SyslogParseError(reason: "unterminated SD-ELEMENT [\(id)]") }
            elements.append(element)
        }
        guard !elements.isEmpty else { throw SyslogParseError(reason: "invalid STRUCTURED-DATA") }
        return elements
    }

    private mutating func quotedParameterValue(in id: String) throws(SyslogParseError) -> String {
        var value: [UInt8] = []
        while let byte = current {
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                if let next = current, next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "]") {
                    value.append(next)
                    position += 1
                } else {
                    value.append(byte)
                }
            default: value.append(byte)
            }
        }
        throw SyslogParseError(reason: "unterminated PARAM-VALUE in [\(id)]")
    }

    /// A BSD TAG with its colon: `sshd[1234]:` or `su:`; the name is at most 48 characters of
    /// letters, digits and `_-./`.
    mutating func bsdTag() -> (name: String, procID: String?)? {
        let start = position
        let nameBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./".utf8)
        while let byte = current, nameBytes.contains(byte) { position += 1 }
        let name = String(decoding: bytes[start..<position], as: UTF8.self)
        guard !name.isEmpty, name.utf8.count <= 48 else {
            position = start
            return nil
        }
        var procID: String?
        if skip(UInt8(ascii: "[")) {
            procID = token(until: [UInt8(ascii: "]"), 0x20])
            guard skip(UInt8(ascii: "]")) else {
                position = start
                return nil
            }
        }
        guard skip(UInt8(ascii: ":")), current == 0x20 || isAtEnd else {
            position = start
            return nil
        }
        return (name, procID)
    }
}
