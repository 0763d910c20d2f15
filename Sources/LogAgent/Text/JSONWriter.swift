#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONQuoting

/// Writes JSON text (RFC 8259) deterministically: object keys sorted by their UTF-8 bytes, so the
/// same value always encodes to the same bytes; non-finite doubles, which JSON cannot express,
/// become `null`.
enum JSONWriter {
    static func encode(_ value: FieldValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, to: &output)
        return output
    }

    static func write(_ value: FieldValue, to output: inout [UInt8]) {
        switch value {
        case .string(let text): writeString(text, to: &output)
        case .int(let number): writeInteger(number, to: &output)
        case .double(let number):
            output.append(contentsOf: number.isFinite ? String(number).utf8 : "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null: output.append(contentsOf: "null".utf8)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            writeObject(members.sorted { precedes($0.key, $1.key) }, to: &output)
        }
    }

    /// Writes an object in key order, taking the order from `order` when it holds exactly the
    /// object's keys (a previous object's, sorted), else sorting them and leaving that in `order`.
    static func writeObject(_ members: [String: FieldValue], order: inout [String], to output: inout [UInt8]) {
        if order.count == members.count {
            let start = output.count
            output.append(UInt8(ascii: "{"))
            var complete = true
            for (index, key) in order.enumerated() {
                guard let value = members[key] else {
                    complete = false
                    break
                }
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                write(value, to: &output)
            }
            if complete {
                output.append(UInt8(ascii: "}"))
                return
            }
            output.removeSubrange(start...)
        }
        order = members.keys.sorted(by: precedes)
        writeObject(order.map { ($0, members[$0] ?? .null) }, to: &output)
    }

    /// Writes members in the order given, for callers with a fixed schema order.
    static func writeObject(_ members: [(key: String, value: FieldValue)], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            writeString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            write(member.value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Whether `left`'s UTF-8 bytes sort before `right`'s (memcmp order): the order of object keys.
    static func precedes(_ left: String, _ right: String) -> Bool {
        var (left, right) = (left, right)
        return left.withUTF8 { a in
            right.withUTF8 { b in
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                return order != 0 ? order < 0 : a.count < b.count
            }
        }
    }

    static func writeString(_ text: String, to output: inout [UInt8]) {
        JSONQuoting.appendQuoted(text, to: &output)
    }

    /// Writes an integer in decimal without building a String.
    static func writeInteger(_ number: Int64, to output: inout [UInt8]) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        // 24 bytes on the stack hold the 20 digits of the largest magnitude.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            output.append(contentsOf: buffer[start...])
        }
    }
}
