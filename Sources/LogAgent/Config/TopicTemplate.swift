/// A Kafka topic name with `{{field}}` placeholders filled from each event, e.g.
/// `logs-{{service}}` or `{{fields.env}}.nginx`. Rendered names are made valid topic names:
/// characters Kafka does not allow (`[a-zA-Z0-9._-]` only) become `_`, and the result is cut to
/// 249 characters.
public struct TopicTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case field(FieldPath)
    }

    public let description: String
    let segments: [Segment]

    /// Fields the template reads, in order.
    public var fields: [FieldPath] {
        segments.compactMap { if case .field(let path) = $0 { return path } else { return nil } }
    }

    /// Why a template is invalid, as text for a `ConfigError`.
    public struct Invalid: Error, Equatable {
        public let reason: String
    }

    public init(_ text: String) throws(Invalid) {
        guard !text.isEmpty else { throw Invalid(reason: "topic must not be empty") }
        var segments: [Segment] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { segments.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw Invalid(reason: "unterminated {{ in topic \"\(text)\"")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: " ")
            guard let path = FieldPath(name) else { throw Invalid(reason: "invalid field \"\(name)\" in topic \"\(text)\"") }
            segments.append(.field(path))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        for case .literal(let literal) in segments where !literal.allSatisfy(Self.isTopicCharacter) {
            throw Invalid(reason: "topic \"\(text)\" has characters Kafka does not allow (only a-z A-Z 0-9 . _ -)")
        }
        self.description = text
        self.segments = segments
    }

    /// The topic for an event; nil when a placeholder's field is missing or empty, so the sink
    /// can route such events elsewhere instead of inventing a topic.
    public func render(_ event: LogEvent) -> String? {
        if segments.count == 1, case .literal(let constant) = segments[0], constant.utf8.count <= 249 { return constant }
        var name = ""
        for segment in segments {
            switch segment {
            case .literal(let literal): name += literal
            case .field(let path):
                guard let text = event[path]?.text, !text.isEmpty else { return nil }
                name += String(text.map { Self.isTopicCharacter($0) ? $0 : "_" })
            }
        }
        return String(name.prefix(249))
    }

    private static func isTopicCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "_" || character == "-")
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
