import Foundation
import Yams

/// `logport up --config up.yaml`: which agent configuration and which pipelines to run beside the broker
/// and the console, as paths to the files `logport agent` and `logport process` read (relative paths are
/// relative to up.yaml):
///
/// ```yaml
/// agent: agent.yaml            # optional
/// pipelines: [web.yaml]        # optional; each its own processor
/// ```
///
/// Both load with the same loaders as the standalone commands, with ${KAFKA_BOOTSTRAP} (this broker),
/// ${LOGPORT_DATA} (--data-dir), ${LOGPORT_STORE} (the store the console reads) and, unless set,
/// ${AGENT_DATA_DIR} (DATA/agent) added to the environment.
struct UpConfigFile {
    var agentPath: String?
    var pipelinePaths: [String]

    static func load(path: String) throws -> UpConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw UpError("\(path): cannot read the file: \(error.localizedDescription)")
        }
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw UpError("\(path): invalid YAML: \(error)")
        }
        guard let top = root as? [String: Any] else { throw UpError("\(path): expected a mapping with agent: and pipelines:") }
        if let unknown = top.keys.first(where: { !["agent", "pipelines"].contains($0) }) {
            throw UpError("\(path): unknown key \(unknown); expected agent: PATH and pipelines: [PATH, …]")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String { file.hasPrefix("/") ? file : directory.appendingPathComponent(file).path }
        var config = UpConfigFile(agentPath: nil, pipelinePaths: [])
        if let agent = top["agent"] {
            guard let file = agent as? String else { throw UpError("\(path): agent must be the path of an agent YAML file") }
            config.agentPath = resolve(file)
        }
        if let pipelines = top["pipelines"] {
            guard let files = (pipelines as? [Any])?.compactMap({ $0 as? String }), files.count == (pipelines as? [Any])?.count else {
                throw UpError("\(path): pipelines must be a list of pipeline YAML paths")
            }
            config.pipelinePaths = files.map(resolve)
        }
        return config
    }
}
