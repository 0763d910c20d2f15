import Foundation
import KafkaCodegenCore
import Testing

/// The committed generated files must be exactly what the generator writes from ../shared/kafka-protocol.
@Suite struct GeneratedCodeIsFresh {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let protocolDirectory = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/kafka-protocol")
    static let protocolDirectoryExists = FileManager.default.fileExists(atPath: protocolDirectory.path)

    @Test(
        .enabled(
            if: protocolDirectoryExists,
            "../shared/kafka-protocol is absent next to the package; cannot check the generated files"))
    func generatedFilesMatchTheGenerator() throws {
        let code = try CodeGenerator.generate(protocolDirectory: Self.protocolDirectory)
        try expectFolder("Sources/KafkaProtocol/Generated", holds: code.sources)
        try expectFolder("Tests/KafkaProtocolTests/Generated", holds: code.testSamples)
    }

    private func expectFolder(_ path: String, holds files: [GeneratedFile]) throws {
        let folder = Self.packageRoot.appendingPathComponent(path)
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        let extra = present.subtracting(files.map(\.name)).sorted()
        #expect(extra.isEmpty, "\(path) has files the generator does not write: \(extra); run \(CodeGenerator.command)")
        for file in files {
            let committed = try? String(contentsOf: folder.appendingPathComponent(file.name), encoding: .utf8)
            guard committed == file.contents else {
                Issue.record("\(path)/\(file.name) is stale; run \(CodeGenerator.command)")
                return
            }
        }
    }
}
