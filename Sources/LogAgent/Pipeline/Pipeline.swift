import Logging
import NIOConcurrencyHelpers

/// Runs a graph of sources → transforms → sinks. Components are connected by bounded channels
/// (`BoundedChannel`), so a slow sink slows its sources rather than growing memory; each event's
/// receipt travels with it, and a sink's acknowledgement reaches the source (a file source's
/// checkpoint) through it. Dropped events (filters, sampling) are acknowledged by the pipeline.
///
/// Shutdown (`shutdown()`, or cancelling the task running `run()`) is graceful: sources stop
/// reading, everything already read drains through transforms into the sinks, sinks are closed
/// (which waits for their acknowledgements), and only then do sources save their state. Draining
/// is bounded by `drainTimeoutMs`; events still in flight then stay unacknowledged and are read
/// again after a restart. A failing sink stops the pipeline the same way, and `run()` throws its
/// error afterwards.
public final class Pipeline: Sendable {
    public let graph: PipelineGraph
    public let drainTimeoutMs: Int64
    /// Bytes a transform's input channel holds before its inputs are slowed down.
    public let transformBufferBytes: Int
    /// Most events of merged event batches handed to a transform or sink at once (a block of lines
    /// from a file is handed over as it was read).
    public let sinkBatchSize: Int
    private let logger: Logger
    private let state = NIOLockedValueBox(RunState())

    private struct RunState {
        var sourcesTask: Task<Void, Never>?
        var shutdownRequested = false
        var errors: [PipelineError] = []
    }

    public init(
        graph: PipelineGraph, drainTimeoutMs: Int64 = 30_000, transformBufferBytes: Int = 4 << 20, sinkBatchSize: Int = 500,
        logger: Logger = Logger(label: "logport.agent")
    ) {
        self.graph = graph
        self.drainTimeoutMs = drainTimeoutMs
        self.transformBufferBytes = transformBufferBytes
        self.sinkBatchSize = max(1, sinkBatchSize)
        self.logger = logger
    }

    /// Asks a running pipeline to stop gracefully; `run()` returns once it has.
    public func shutdown() {
        let task = state.withLockedValue { state -> Task<Void, Never>? in
            state.shutdownRequested = true
            return state.sourcesTask
        }
        task?.cancel()
    }

    /// Runs until every source has ended (stdin closed) or shutdown is requested, then drains.
    /// Throws the first component failure, after the graceful stop.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await runToCompletion()
        } onCancel: {
            shutdown()
        }
    }

    private func runToCompletion() async throws {
        var channels: [String: BoundedChannel] = [:]
        for transform in graph.transforms {
            channels[transform.name] = BoundedChannel(capacityBytes: transformBufferBytes, producers: Set(transform.inputs).count)
        }
        for sink in graph.sinks {
            channels[sink.name] = BoundedChannel(capacityBytes: sink.bufferBytes, producers: Set(sink.inputs).count)
        }
        let consumers = graph.transforms.map { Consumer(name: $0.name, inputs: Set($0.inputs), takes: nil) }
            + graph.sinks.filter { $0.priority == .high }.map { Consumer(name: $0.name, inputs: Set($0.inputs), takes: $0.takes) }
            + graph.sinks.filter { $0.priority != .high }.map { Consumer(name: $0.name, inputs: Set($0.inputs), takes: $0.takes) }
        var outputs: [String: ComponentOutput] = [:]
        for name in graph.sources.map(\.name) + graph.transforms.map(\.name) {
            var routes: [ComponentOutput.Route] = []
            for consumer in consumers where consumer.inputs.contains(name) {
                guard let channel = channels[consumer.name] else { continue }
                routes.append(ComponentOutput.Route(channel: channel, takes: consumer.takes(from: name)))
            }
            outputs[name] = ComponentOutput(routes: routes)
            if outputs[name]?.routes.isEmpty ?? true {
                logger.warning("component output is not read by anything; its events are discarded", metadata: ["component": "\(name)"])
            }
        }
        let outputOf = { [outputs] (name: String) in outputs[name] ?? ComponentOutput(routes: []) }

        let sinkTasks = graph.sinks.compactMap { sink in
            channels[sink.name].map { runSink(sink, input: $0) }
        }
        let transformTasks = graph.transforms.compactMap { transform in
            channels[transform.name].map { runTransform(transform, input: $0, output: outputOf(transform.name)) }
        }
        let sourcesTask = Task { [graph] in
            await withTaskGroup(of: Void.self) { group in
                for source in graph.sources {
                    let output = outputOf(source.name)
                    group.addTask { await self.runSource(source, output: output) }
                }
            }
        }
        let cancelAtOnce = state.withLockedValue { state in
            state.sourcesTask = sourcesTask
            return state.shutdownRequested
        }
        if cancelAtOnce { sourcesTask.cancel() }
        await sourcesTask.value
        logger.info("sources stopped; draining")

        let drained = await Self.wait(forAll: transformTasks + sinkTasks, timeoutMs: drainTimeoutMs)
        if !drained {
            logger.warning("drain timed out; events in flight stay unacknowledged and are read again after a restart",
                           metadata: ["timeout_ms": "\(drainTimeoutMs)"])
            for channel in channels.values { channel.abandon() }
            for task in transformTasks + sinkTasks { task.cancel() }
        }
        for source in graph.sources {
            do {
                try await source.source.shutdown()
            } catch {
                record(PipelineError(component: source.name, message: "saving state at shutdown failed: \(error)"))
            }
        }
        if let first = state.withLockedValue({ $0.errors.first }) { throw first }
    }

    /// A component reading others' output, and which of their events it takes.
    private struct Consumer {
        let name: String
        let inputs: Set<String>
        let takes: (@Sendable (LogEvent, String) -> Bool)?

        /// The test for events from one input; nil takes all.
        func takes(from input: String) -> (@Sendable (LogEvent) -> Bool)? {
            guard let takes else { return nil }
            return { event in takes(event, input) }
        }
    }

    private func record(_ error: PipelineError) {
        logger.error("pipeline component failed", metadata: ["component": "\(error.component)", "error": "\(error.message)"])
        state.withLockedValue { $0.errors.append(error) }
    }

    private func runSource(_ source: PipelineGraph.Source, output: ComponentOutput) async {
        do {
            try await source.source.run(emitter: EventEmitter { await output.send($0) })
        } catch is CancellationError {
        } catch {
            record(PipelineError(component: source.name, message: "\(error)"))
            shutdown()
        }
        output.finish()
    }

    private func runTransform(_ node: PipelineGraph.Transform, input: BoundedChannel, output: ComponentOutput) -> Task<Void, Never> {
        Task {
            var transform = node.transform
            while let batch = await input.receive(maxCount: sinkBatchSize) {
                // Taken out one by one (last first, so each is moved, not copied): a transform gets
                // the only copy of its event.
                var events = batch.takeEvents()
                events.reverse()
                var passed: [PipelineEvent] = []
                passed.reserveCapacity(events.count)
                while let item = events.popLast() {
                    let (event, receipt) = item.parts()
                    if let transformed = transform.apply(event) {
                        passed.append(PipelineEvent(transformed, receipt: receipt))
                    } else {
                        receipt.acknowledge()
                    }
                }
                _ = await output.send(EventBatch(passed))
            }
            output.finish()
        }
    }

    private func runSink(_ node: PipelineGraph.Sink, input: BoundedChannel) -> Task<Void, Never> {
        Task {
            do {
                while let batch = await input.receive(maxCount: sinkBatchSize) {
                    try await node.sink.write(batch)
                }
                try await node.sink.close()
            } catch {
                input.abandon()
                if !Task.isCancelled {
                    record(PipelineError(component: node.name, message: "\(error)"))
                    shutdown()
                }
            }
        }
    }

    /// Whether all tasks finished within the timeout.
    private static func wait(forAll tasks: [Task<Void, Never>], timeoutMs: Int64) async -> Bool {
        let outcome = NIOLockedValueBox<CheckedContinuation<Bool, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            outcome.withLockedValue { $0 = continuation }
            let finish: @Sendable (Bool) -> Void = { value in
                outcome.withLockedValue { pending in
                    pending?.resume(returning: value)
                    pending = nil
                }
            }
            let timer = Task {
                try? await Task.sleep(for: .milliseconds(timeoutMs))
                finish(false)
            }
            Task {
                for task in tasks { await task.value }
                finish(true)
                timer.cancel()
            }
        }
    }
}
