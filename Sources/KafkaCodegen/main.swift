import Foundation
import KafkaCodegenCore

/// kafka-codegen --input <kafka-protocol folder> --output <Swift sources folder> [--test-output <samples folder>]
func run(_ arguments: [String]) throws {
    var options: [String: String] = [:]
    var index = 0
    while index < arguments.count {
        let name = arguments[index]
        guard ["--input", "--output", "--test-output"].contains(name), index + 1 < arguments.count else {
            throw UsageError()
        }
        options[name] = arguments[index + 1]
        index += 2
    }
    guard let input = options["--input"], let output = options["--output"] else { throw UsageError() }

    let code = try CodeGenerator.generate(protocolDirectory: URL(fileURLWithPath: input))
    try CodeGenerator.write(code.sources, to: URL(fileURLWithPath: output))
    print("kafka-codegen: wrote \(code.sources.count) files to \(output)")
    if let testOutput = options["--test-output"] {
        try CodeGenerator.write(code.testSamples, to: URL(fileURLWithPath: testOutput))
        print("kafka-codegen: wrote \(code.testSamples.count) files to \(testOutput)")
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String {
        "usage: kafka-codegen --input <kafka-protocol folder> --output <folder> [--test-output <folder>]"
    }
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("kafka-codegen: \(error)\n".utf8))
    exit(1)
}
