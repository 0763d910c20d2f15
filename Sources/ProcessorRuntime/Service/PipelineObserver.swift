import NIOConcurrencyHelpers
import StreamProcessing

/// A window onto a running pipeline for an HTTP endpoint: whether it runs yet, and its status as
/// Prometheus text rendered at the moment of asking. `PipelineService.run` keeps it up to date.
public final class PipelineObserver: Sendable {
    public enum Phase: Sendable {
        /// Connecting, creating the partials topic, joining the consumer groups.
        case starting
        case running
        /// Stopping or stopped (after a signal or a failure).
        case stopped
    }

    private let state = NIOLockedValueBox<(phase: Phase, runners: PipelineRunners?)>((.starting, nil))

    public init() {}

    public var phase: Phase { state.withLockedValue { $0.phase } }

    func attach(_ runners: PipelineRunners) {
        state.withLockedValue { $0.runners = runners }
    }

    func enter(_ phase: Phase) {
        state.withLockedValue { $0.phase = phase }
    }

    /// The pipeline's metrics (see `PrometheusText`); empty until the pipeline has started.
    public func exposition() async -> String {
        guard let runners = state.withLockedValue({ $0.runners }) else { return "" }
        return PrometheusText.render(await runners.status())
    }
}
