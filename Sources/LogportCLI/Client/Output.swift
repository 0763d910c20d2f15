import ArgumentParser
import Foundation

/// How a command prints its result: a table for people, JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Writes to stdout and stderr without buffering lines, so output appears as it happens.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// One JSON document on one line, keys sorted so scripts and tests can rely on the text.
    static func json<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        out(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// A plain-text table: a header row and left-aligned columns separated by two spaces.
struct Table {
    let columns: [String]
    private(set) var rows: [[String]] = []

    init(_ columns: String...) {
        self.columns = columns
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    func render() -> String {
        let all = [columns] + rows
        let widths = columns.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    func print() {
        Console.out(render())
    }
}

/// Reports progress of a long operation on stderr at most once per `interval`, and only once the
/// operation has run for that long, so quick commands stay quiet.
struct ProgressReporter {
    private let interval: Duration
    private let clock = ContinuousClock()
    private var nextReport: ContinuousClock.Instant

    init(every interval: Duration = .seconds(2)) {
        self.interval = interval
        nextReport = clock.now + interval
    }

    mutating func tick(_ message: @autoclosure () -> String) {
        let now = clock.now
        guard now >= nextReport else { return }
        nextReport = now + interval
        Console.err(message())
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
