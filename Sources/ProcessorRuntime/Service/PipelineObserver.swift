import NIOConcurrencyHelpers
import StreamProcessing

/// A window onto a running pipeline for an HTTP endpoint: whether it runs yet, and its status as
/// Prometheus text rendered at the moment of asking. `PipelineService.run` keeps it up to date.
public final class PipelineObserver: Sendable {
    public enum Phase: Sendable {
        /// Connecting, restoring the checkpoint, joining the consumer group.
        case starting
        case running
        /// Stopping or stopped (after a signal or a failure).
        case stopped
    }

    private let state = NIOLockedValueBox<(phase: Phase, runner: PipelineRunner?)>((.starting, nil))

    public init() {}

    public var phase: Phase { state.withLockedValue { $0.phase } }

    func attach(_ runner: PipelineRunner) {
        state.withLockedValue { $0.runner = runner }
    }

    func enter(_ phase: Phase) {
        state.withLockedValue { $0.phase = phase }
    }

    /// The pipeline's metrics (see `PrometheusText`); empty until the pipeline has started.
    public func exposition() async -> String {
        guard let runner = state.withLockedValue({ $0.runner }), let status = await runner.status() else { return "" }
        return PrometheusText.render(status)
    }
}
