import Foundation
import Testing
@testable import StreamProcessing

@Suite struct JSONFieldParserTests {
    @Test func readsEveryKindOfValue() throws {
        let fields = try JSONFieldParser.parse(#"""
             { "s": "tab\there \"q\" \\ \/ \u00e9\ud83d\ude00", "i": -42, "big": 12345678901234567890, "f": 2.5e-3,
               "z": 0, "t": true, "n": null, "o": {"p": {"q": "deep"}}, "a": [1, {"y": 2, "x": [true]}, "s"], "e": {} }
            """#)
        #expect(fields == [
            "s": .string("tab\there \"q\" \\ / é😀"), "i": .number(-42), "big": .number(1.2345678901234567e19), "f": .number(0.0025),
            "z": .number(0), "t": .bool(true), "n": .null, "o.p.q": .string("deep"), "a": .string(#"[1,{"x":[true],"y":2},"s"]"#),
        ])
    }

    @Test func agreesWithFoundationOnGeneratedDocuments() throws {
        var random = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            var object: [String: Any] = [:]
            for index in 0..<Int(random.next() % 8) {
                switch random.next() % 4 {
                case 0: object["k\(index)"] = Double(Int64(bitPattern: random.next()) % 1_000_000) / 8
                case 1: object["k\(index)"] = String((0..<Int(random.next() % 12)).map { _ in "aé\"\\\n😀 x/".randomElement(using: &random)! })
                case 2: object["k\(index)"] = random.next() % 2 == 0
                default: object["k\(index)"] = Int64(bitPattern: random.next()) % 1_000_000_000
                }
            }
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            let parsed = try JSONFieldParser.parse(text)
            #expect(Set(parsed.keys) == Set(object.keys))
            for (key, value) in object {
                switch value {
                case let flag as Bool: #expect(parsed[key] == .bool(flag), "\(text)")
                case let number as Double: #expect(parsed[key] == .number(number), "\(text)")
                case let number as Int64: #expect(parsed[key] == .number(Double(number)), "\(text)")
                case let string as String: #expect(parsed[key] == .string(string), "\(text)")
                default: Issue.record("unexpected \(value)")
                }
            }
        }
    }

    @Test func rejectsWhatIsNotAJSONObjectSayingWhere() {
        let cases: [(String, String)] = [
            ("[1]", "not a JSON object"),
            ("nonsense", "expected null at byte 0"),
            (#"{"a": 1"#, "expected , or } at byte 7"),
            (#"{"a": 1} x"#, "unexpected text after the object at byte 9"),
            (#"{"a": "open"#, "unterminated string at byte 11"),
            (#"{"a": 01}"#, "expected , or } at byte 7"),
            (#"{"a": -}"#, "expected a digit at byte 7"),
            (#"{"a": "\x"}"#, "invalid escape at byte 9"),
            (#"{"a": tru}"#, "expected true at byte 6"),
            ("{\"a\": \"\u{1}\"}", "control character in a string at byte 7"),
            (String(repeating: #"{"a":"#, count: 200) + "1" + String(repeating: "}", count: 200), "nested deeper than 128 levels at byte 640"),
        ]
        for (text, message) in cases {
            #expect(throws: FieldParseError.invalidJSON(message), "\(text)") { try JSONFieldParser.parse(text) }
        }
    }
}

@Suite struct JSONTextTests {
    @Test func writesWhatJSONEncoderWritesForFieldMaps() throws {
        var random = SeededGenerator(seed: 5)
        let alphabet = Array("aZé\"\\/\n\t\u{1}\u{8}😀 _9").map(String.init) + ["\"\u{301}", "\\\u{301}"]
        for _ in 0..<300 {
            var fields: [String: FieldValue] = [:]
            for _ in 0..<Int(random.next() % 6) {
                let key = (0..<1 + Int(random.next() % 4)).map { _ in alphabet.randomElement(using: &random)! }.joined()
                switch random.next() % 5 {
                case 0: fields[key] = .number(Double(Int64(bitPattern: random.next()) % 10_000_000) / 16)
                case 1: fields[key] = .number([1e21, 1.5e-5, -0.0, 3, .infinity][Int(random.next() % 5)])
                case 2: fields[key] = .string((0..<Int(random.next() % 8)).map { _ in alphabet.randomElement(using: &random)! }.joined())
                case 3: fields[key] = .bool(random.next() % 2 == 0)
                default: fields[key] = .null
                }
            }
            let expected = String(decoding: try JSONEncoder.sorted.encode(fields), as: UTF8.self)
            #expect(JSONText.object(fields) == expected)
        }
    }
}
