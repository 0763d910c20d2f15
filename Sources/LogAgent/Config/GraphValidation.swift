extension AgentConfig {
    /// Checks the wiring: at least one source and one sink, unique names across all sections,
    /// inputs that name a source or transform (never a sink, never the component itself), and no
    /// cycle among transforms.
    func validateGraph(file: String, line: Int?) throws(ConfigError) {
        guard !sources.isEmpty else { throw ConfigError(file: file, line: line, field: "sources", message: "at least one source is required") }
        guard !sinks.isEmpty else { throw ConfigError(file: file, line: line, field: "sinks", message: "at least one sink is required") }
        var sections: [String: String] = [:]
        let declared = sources.map { ($0.name, "sources", $0.line) } + transforms.map { ($0.name, "transforms", $0.line) }
            + sinks.map { ($0.name, "sinks", $0.line) }
        for (name, section, line) in declared {
            if let other = sections[name] {
                throw ConfigError(file: file, line: line, component: "\(section).\(name)",
                                  message: "the name is already used by \(other).\(name); names must be unique")
            }
            sections[name] = section
        }
        let consumers = transforms.map { ($0.name, "transforms", $0.inputs, $0.line) } + sinks.map { ($0.name, "sinks", $0.inputs, $0.line) }
        for (name, section, inputs, line) in consumers {
            for input in inputs {
                switch sections[input] {
                case nil:
                    throw ConfigError(file: file, line: line, component: "\(section).\(name)", field: "inputs",
                                      message: "no source or transform is named \"\(input)\"")
                case "sinks"?:
                    throw ConfigError(file: file, line: line, component: "\(section).\(name)", field: "inputs",
                                      message: "\"\(input)\" is a sink; sinks cannot be inputs")
                default:
                    if input == name {
                        throw ConfigError(file: file, line: line, component: "\(section).\(name)", field: "inputs",
                                          message: "a component cannot read its own output")
                    }
                }
            }
        }
        _ = try transformOrder(file: file)
    }

    /// Transforms ordered so each comes after its inputs (Kahn's algorithm); a cycle is an error
    /// naming one transform on it.
    func transformOrder(file: String) throws(ConfigError) -> [ComponentConfig<any EventTransform>] {
        var remaining = transforms
        var placed = Set(sources.map(\.name))
        var ordered: [ComponentConfig<any EventTransform>] = []
        while !remaining.isEmpty {
            guard let next = remaining.firstIndex(where: { $0.inputs.allSatisfy(placed.contains) }) else {
                let stuck = remaining[0]
                throw ConfigError(file: file, line: stuck.line, component: "transforms.\(stuck.name)", field: "inputs",
                                  message: "the inputs form a cycle")
            }
            let transform = remaining.remove(at: next)
            placed.insert(transform.name)
            ordered.append(transform)
        }
        return ordered
    }
}
