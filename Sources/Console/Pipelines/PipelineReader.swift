import Dispatch
import Foundation
import StreamProcessing

/// Reads pipelines and their dashboards from the processor's embedded store (SQLite), read-only.
///
/// The file is opened for each request, so a store that appears after the console started, or is
/// replaced, is simply read; SQLite calls block, so they run on a dispatch queue, never on the
/// cooperative pool or an event loop.
struct PipelineReader: Sendable {
    /// nil: the console was started without a store, and the pipeline pages say how to give one.
    let storePath: String?
    /// How many of the newest windows a dashboard shows.
    let windowsShown: Int

    private static let queue = DispatchQueue(label: "logport.console.store", attributes: .concurrent)

    func summaries() async throws -> [PipelineSummary] {
        try await withStore { store in
            try store.pipelines().map { name in
                let aggregations = try store.aggregationNames(pipeline: name)
                let latestEnds = try aggregations.flatMap { try store.recentAggregates(pipeline: name, aggregation: $0, windows: 1) }
                return PipelineSummary(name: name, aggregations: aggregations, latestWindowEnd: latestEnds.map(\.windowEndMillis).max(),
                                       firingAlerts: try store.alerts(pipeline: name, state: .firing).count)
            }
        }
    }

    func dashboard(_ pipeline: String) async throws -> PipelineDashboard {
        let windows = windowsShown
        return try await withStore { store in
            guard try store.pipelines().contains(pipeline) else {
                throw ConsoleError.notFound("no pipeline \(pipeline) in the store \(storePath ?? ""): it has written no window or alert yet")
            }
            let aggregations = try store.aggregationNames(pipeline: pipeline).map { name in
                (name: name, rows: try store.recentAggregates(pipeline: pipeline, aggregation: name, windows: windows))
            }
            return PipelineDashboard(pipeline: pipeline, aggregations: aggregations, alerts: try store.alerts(pipeline: pipeline))
        }
    }

    private func withStore<Result: Sendable>(_ body: @escaping @Sendable (EmbeddedStore) throws -> Result) async throws -> Result {
        guard let storePath else {
            throw ConsoleError.notFound("the console has no embedded store: start it with --store PATH (logport up sets it to DATA/store.db)")
        }
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw ConsoleError.notFound("no embedded store at \(storePath) yet: the processor creates it when its pipeline starts")
        }
        return try await withCheckedThrowingContinuation { continuation in
            Self.queue.async {
                continuation.resume(with: Swift.Result { try body(EmbeddedStore(readingFrom: storePath)) })
            }
        }
    }
}
