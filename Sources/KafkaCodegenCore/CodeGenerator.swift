import Foundation

/// One output file: a name inside its output folder and its full text.
public struct GeneratedFile: Equatable, Sendable {
    public let name: String
    public let contents: String
}

/// Everything the generator writes, in name order (so output is deterministic).
public struct GeneratedCode: Sendable {
    /// Files for Sources/KafkaProtocol/Generated: one per message, ApiKey.swift and README.md.
    public let sources: [GeneratedFile]
    /// Files for Tests/KafkaProtocolTests/Generated: sample values for the round-trip test.
    public let testSamples: [GeneratedFile]
}

/// Turns Kafka's JSON message definitions into Swift codecs.
public enum CodeGenerator {
    /// The command that regenerates the committed files, run from the package root.
    public static let command =
        "swift run kafka-codegen --input ../shared/kafka-protocol --output Sources/KafkaProtocol/Generated"
        + " --test-output Tests/KafkaProtocolTests/Generated"

    /// Reads `message/*.json` and `internal/*.json` under `protocolDirectory` and generates all files.
    public static func generate(protocolDirectory: URL) throws -> GeneratedCode {
        var messages: [ResolvedMessage] = []
        for folder in ["message", "internal"] {
            for url in try jsonFiles(in: protocolDirectory.appendingPathComponent(folder)) {
                let spec = try MessageSpec.load(from: url)
                messages.append(try ResolvedMessage(spec: spec, fileName: url.lastPathComponent))
            }
        }
        messages.sort { $0.name < $1.name }
        if let duplicate = zip(messages, messages.dropFirst()).first(where: { $0.name == $1.name }) {
            throw CodegenError("message \(duplicate.0.name) is defined twice")
        }

        var sources: [GeneratedFile] = []
        var samples: [GeneratedFile] = []
        for message in messages {
            sources.append(GeneratedFile(name: message.name + ".swift", contents: try MessageEmitter(message: message).emit()))
            samples.append(GeneratedFile(name: message.name + "+Sample.swift", contents: SampleEmitter(message: message).emit()))
        }
        let requests = messages.map(\.spec).filter { $0.type == .request }
        sources.append(GeneratedFile(name: "ApiKey.swift", contents: try ApiKeyEmitter(requests: requests).emit()))
        sources.append(GeneratedFile(name: "README.md", contents: ReadmeEmitter.emit(messageCount: messages.count)))
        samples.append(
            GeneratedFile(
                name: "AllMessageRoundTrips.swift",
                contents: SampleListEmitter.emit(messageNames: messages.map(\.name))))
        return GeneratedCode(
            sources: sources.sorted { $0.name < $1.name },
            testSamples: samples.sorted { $0.name < $1.name })
    }

    /// Makes `directory` hold exactly `files`: writes changed files and deletes any other file there.
    public static func write(_ files: [GeneratedFile], to directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        let wanted = Set(files.map(\.name))
        for existing in try manager.contentsOfDirectory(atPath: directory.path) where !wanted.contains(existing) {
            try manager.removeItem(at: directory.appendingPathComponent(existing))
        }
        for file in files {
            let url = directory.appendingPathComponent(file.name)
            if let current = try? String(contentsOf: url, encoding: .utf8), current == file.contents { continue }
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    private static func jsonFiles(in folder: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw CodegenError("cannot list \(folder.path): \(error)")
        }
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0) }
    }
}
