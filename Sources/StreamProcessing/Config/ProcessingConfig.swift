/// Parsers for the processing sections of a pipeline: transforms, aggregations, detectors, alerts.
enum ProcessingConfig {
    /// The aggregations declared so far, for checking references to `aggregation.column`.
    struct Catalog {
        let aggregations: [WindowedAggregationSpec]

        func aggregation(named name: String) -> WindowedAggregationSpec? {
            aggregations.first { $0.name == name }
        }

        var names: String { aggregations.map(\.name).joined(separator: ", ") }

        /// Resolves `aggregation.column` to a numeric column.
        func metric(_ node: ConfigNode) throws -> (aggregation: String, column: String) {
            let text = try node.string()
            guard let dot = text.lastIndex(of: ".") else { throw node.error("expected aggregation.column, found \(text)") }
            let name = String(text[..<dot])
            let columnName = String(text[text.index(after: dot)...])
            guard let aggregation = aggregation(named: name) else { throw node.error("no aggregation named \(name); declared: \(names)") }
            guard let column = aggregation.columns.first(where: { $0.name == columnName }) else {
                throw node.error("aggregation \(name) has no column \(columnName); columns: \(aggregation.columns.map(\.name).joined(separator: ", "))")
            }
            if case .topN = column.function { throw node.error("column \(columnName) is a top-N ranking, not a number") }
            return (name, columnName)
        }
    }

    // MARK: Transforms

    static func transform(_ node: ConfigNode) throws -> TransformSpec {
        let kinds = ["parse", "filter", "rename", "drop", "set", "derive", "timestamp", "dedupe"]
        let (kind, value) = try node.mapping(allowedKeys: Set(kinds)).exactlyOne(of: kinds)
        switch kind {
        case "parse":
            if value.node.scalar != nil { return try parse(format: value, field: "message", pattern: nil) }
            let map = try value.mapping(allowedKeys: ["format", "field", "pattern"])
            return try parse(format: map.required("format"), field: map.optional("field")?.string() ?? "message", pattern: map.optional("pattern"))
        case "filter":
            return .filter(try filterCondition(value))
        case "rename":
            let map = try value.mapping(allowedKeys: ["from", "to"])
            return .rename(from: try map.required("from").string(), to: try map.required("to").string())
        case "drop":
            return .drop(fields: try value.strings())
        case "set":
            let map = try value.mapping(allowedKeys: ["field", "value"])
            return .set(field: try map.required("field").string(), value: try map.required("value").fieldValue())
        case "derive":
            let map = try value.mapping(allowedKeys: ["field", "template", "from", "op", "value"])
            let field = try map.required("field").string()
            if let template = map.optional("template") { return .derive(field: field, expression: .template(try template.string())) }
            return .derive(field: field, expression: .arithmetic(
                field: try map.required("from").string(), op: try map.required("op").oneOf(ArithmeticOperator.self),
                operand: try map.required("value").double()))
        case "timestamp":
            let map = try value.mapping(allowedKeys: ["field", "format"])
            return .timestamp(field: try map.required("field").string(), format: try map.optional("format")?.oneOf(TimestampFormat.self) ?? .iso8601)
        default:
            let map = try value.mapping(allowedKeys: ["key", "within"])
            return .dedupe(keyFields: try map.required("key").strings(), withinMillis: try map.required("within").durationMillis(minimum: 1))
        }
    }

    /// `{field: NAME, op: OP, value: VALUE}`, as the filter transform and an aggregation's `where` take it.
    private static func filterCondition(_ node: ConfigNode) throws -> FilterCondition {
        let map = try node.mapping(allowedKeys: ["field", "op", "value"])
        let op = try map.required("op").oneOf(FilterCondition.Operator.self)
        let operand = try map.optional("value")?.fieldValue()
        if operand == nil, op != .exists, op != .missing { throw node.error("filter op \(op.rawValue) needs a value") }
        return FilterCondition(field: try map.required("field").string(), op: op, value: operand)
    }

    private static func parse(format: ConfigNode, field: String, pattern: ConfigNode?) throws -> TransformSpec {
        switch try format.string() {
        case "json": return .parseJSON(field: field)
        case "logfmt": return .parseLogfmt(field: field)
        case "regex":
            guard let pattern else { throw format.error("parse format regex needs a pattern") }
            let text = try pattern.string()
            do {
                _ = try TransformChain([.parseRegex(field: field, pattern: text)])
            } catch let error as TransformConfigError {
                throw pattern.error(error.detail)
            }
            return .parseRegex(field: field, pattern: text)
        case let other: throw format.error("unknown parse format \(other); expected json, logfmt or regex")
        }
    }

    // MARK: Aggregations

    static func aggregation(_ node: ConfigNode) throws -> WindowedAggregationSpec {
        let map = try node.mapping(allowedKeys: ["name", "window", "lateness", "group_by", "columns", "where"])
        let windowNode = try map.required("window")
        let window = try windowNode.mapping(allowedKeys: ["tumbling", "hopping", "every"])
        let (kind, sizeNode) = try window.exactlyOne(of: ["tumbling", "hopping"])
        let size = try sizeNode.durationMillis(minimum: 1)
        let spec: WindowSpec
        do {
            if kind == "tumbling" {
                if let every = window.optional("every") { throw every.error("a tumbling window has no every; use hopping") }
                spec = try .tumbling(sizeMillis: size)
            } else {
                spec = try .hopping(sizeMillis: size, advanceMillis: try window.required("every").durationMillis(minimum: 1))
            }
        } catch let error as WindowSpecError {
            throw windowNode.error(error.description)
        }
        let columnsNode = try map.required("columns")
        guard let columnMapping = columnsNode.node.mapping, !columnMapping.isEmpty else {
            throw columnsNode.error("expected at least one column: name: function")
        }
        var columns: [AggregateColumn] = []
        for (key, value) in columnMapping {
            let name = key.string ?? ""
            let columnNode = columnsNode.child(value, name)
            guard !name.isEmpty, !columns.contains(where: { $0.name == name }) else { throw columnNode.error("column names must be unique and non-empty") }
            columns.append(AggregateColumn(name: name, function: try function(columnNode)))
        }
        let groupBy = try map.optional("group_by")?.strings() ?? []
        // Sinks write group-by fields, columns and these as one flat row: names must not collide.
        let reserved: Set<String> = ["window_start", "window_end", "revision", "is_final", "aggregation",
                                     ClickHouseRequests.partialsPartitionColumn, ClickHouseRequests.partialsOffsetColumn]
        for name in groupBy + columns.map(\.name) where reserved.contains(name) {
            throw node.error("\(name) is reserved for the window's own fields; rename the column or group-by field")
        }
        if let clash = groupBy.first(where: { field in columns.contains { $0.name == field } }) {
            throw node.error("\(clash) is both a group-by field and a column")
        }
        return WindowedAggregationSpec(
            name: try map.required("name").string(), window: spec, groupBy: groupBy,
            columns: columns, allowedLatenessMillis: try map.optional("lateness")?.durationMillis() ?? 0,
            filter: try map.optional("where").map(aggregationFilter))
    }

    /// `where: {field: outcome, op: eq, value: failure}`: the filter transform's syntax, without `matches`
    /// (aggregations keep no compiled regular expressions).
    private static func aggregationFilter(_ node: ConfigNode) throws -> FilterCondition {
        let condition = try filterCondition(node)
        if condition.op == .matches { throw node.error("where does not support op matches; filter with a transform instead") }
        return condition
    }

    private static func function(_ node: ConfigNode) throws -> AggregateFunction {
        if node.node.scalar != nil {
            guard try node.string() == "count" else { throw node.error("expected count, or a mapping like {sum: field}") }
            return .count
        }
        let kinds = ["sum", "min", "max", "avg", "percentile", "distinct", "top"]
        let map = try node.mapping(allowedKeys: Set(kinds + ["q", "accuracy", "precision", "n", "capacity"]))
        let (kind, fieldNode) = try map.exactlyOne(of: kinds)
        let field = try fieldNode.string()
        switch kind {
        case "sum": return .sum(field: field)
        case "min": return .min(field: field)
        case "max": return .max(field: field)
        case "avg": return .average(field: field)
        case "percentile":
            return .percentile(field: field, quantile: try map.required("q").double(in: 0...1),
                               relativeAccuracy: try map.optional("accuracy")?.double(in: 0.0001...0.2) ?? 0.01)
        case "distinct":
            return .distinctCount(field: field, precision: try map.optional("precision")?.int(in: 4...18) ?? 12)
        default:
            let n = try map.optional("n")?.int(in: 1...1000) ?? 10
            return .topN(field: field, n: n, capacity: try map.optional("capacity")?.int(in: n...100_000) ?? max(100, 10 * n))
        }
    }

    // MARK: Detectors and alerts

    static func detector(_ node: ConfigNode, catalog: Catalog) throws -> DetectorSpec {
        let map = try node.mapping(allowedKeys: ["name", "metric", "ewma", "mad", "seasonality"])
        let metric = try catalog.metric(map.required("metric"))
        let (kind, value) = try map.exactlyOne(of: ["ewma", "mad"])
        let method: DetectorMethod
        if kind == "ewma" {
            let ewma = try value.mapping(allowedKeys: ["alpha", "threshold", "warmup"])
            method = .ewmaZScore(alpha: try ewma.optional("alpha")?.double(in: 0.001...1) ?? 0.1,
                                 threshold: try ewma.optional("threshold")?.double(in: 0.1...1000) ?? 4,
                                 warmup: try ewma.optional("warmup")?.int(in: 1...100_000) ?? 30)
        } else {
            let mad = try value.mapping(allowedKeys: ["window", "threshold", "warmup"])
            let window = try mad.optional("window")?.int(in: 3...10_000) ?? 60
            method = .medianAbsoluteDeviation(window: window, threshold: try mad.optional("threshold")?.double(in: 0.1...1000) ?? 5,
                                              warmup: try mad.optional("warmup")?.int(in: 3...window) ?? min(window, 30))
        }
        return DetectorSpec(name: try map.required("name").string(), aggregation: metric.aggregation, column: metric.column,
                            method: method, seasonalityPeriodMillis: try map.optional("seasonality")?.durationMillis(minimum: 1))
    }

    static func alert(_ node: ConfigNode, catalog: Catalog, detectors: Set<String>) throws -> AlertRuleSpec {
        let conditions = ["threshold", "rate_of_change", "absent", "anomaly"]
        let map = try node.mapping(allowedKeys: Set(["name", "metric", "detector", "cooldown", "severity"] + conditions))
        let (sourceKey, sourceNode) = try map.exactlyOne(of: ["metric", "detector"])
        let source: AlertSource
        if sourceKey == "metric" {
            let metric = try catalog.metric(sourceNode)
            source = .column(aggregation: metric.aggregation, column: metric.column)
        } else {
            let name = try sourceNode.string()
            guard detectors.contains(name) else { throw sourceNode.error("no detector named \(name)") }
            source = .detector(name)
        }
        let (kind, value) = try map.exactlyOne(of: conditions)
        let condition: AlertCondition
        switch kind {
        case "threshold":
            let threshold = try value.mapping(allowedKeys: ["op", "value"])
            condition = .threshold(try threshold.required("op").oneOf(Comparison.self), try threshold.required("value").double())
        case "rate_of_change":
            let rate = try value.mapping(allowedKeys: ["op", "value", "relative"])
            condition = .rateOfChange(try rate.required("op").oneOf(Comparison.self), try rate.required("value").double(),
                                      relative: try rate.optional("relative")?.bool() ?? true)
        case "absent":
            condition = .absence(windows: try value.mapping(allowedKeys: ["windows"]).required("windows").int(in: 1...100_000))
        default:
            condition = .anomalyScore(atLeast: try value.mapping(allowedKeys: ["score"]).required("score").double(in: 0...1_000_000))
        }
        switch (source, condition) {
        case (.detector, .anomalyScore), (.column, .threshold), (.column, .rateOfChange), (.column, .absence): break
        case (.detector, _): throw value.error("a detector alert uses anomaly: {score: N}")
        case (.column, _): throw value.error("anomaly alerts need a detector, not a metric")
        }
        return AlertRuleSpec(name: try map.required("name").string(), source: source, condition: condition,
                             cooldownMillis: try map.optional("cooldown")?.durationMillis() ?? 0,
                             severity: try map.optional("severity")?.string() ?? "warning")
    }
}
