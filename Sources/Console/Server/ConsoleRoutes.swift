import Hummingbird
import MetricsEndpoint

/// Every URL the console serves. Each page has a JSON twin under `/api` built from the same reads,
/// so what a person sees and what a script gets are the same numbers.
struct ConsoleRoutes: Sendable {
    let reader: ClusterReader
    let browser: MessageBrowser
    let metrics: ConsoleMetrics
    /// Other roles' metrics in this process (`logport up`'s broker), appended to `/metrics`.
    let otherMetrics: [MetricsRenderer]
    let pipelines: PipelineReader
    /// Page auto-refresh period in seconds.
    let refreshSeconds: Int

    func register(on router: Router<BasicRequestContext>) {
        registerAPI(on: router)
        registerPages(on: router)
        router.get("/metrics") { _, _ in
            var text = metrics.exposition()
            for render in otherMetrics { text += await render() }
            return Replies.text(text, contentType: MetricsEndpoint.contentType)
        }
        router.get("/health") { _, _ in
            let health = await HealthReport(sampling: reader.samplingStatus(), now: nowMilliseconds())
            return try Replies.json(health, status: health.isHealthy ? .ok : .serviceUnavailable)
        }
    }

    private func registerAPI(on router: Router<BasicRequestContext>) {
        router.get("/api/cluster") { _, _ in await api { try await reader.overview() } }
        router.get("/api/topics") { _, _ in await api { try await reader.topics() } }
        router.get("/api/topics/:name") { _, context in await api { try await reader.topic(context.pathParameter("name")) } }
        router.get("/api/topics/:name/messages") { request, context in
            await api {
                try await browser.page(
                    topic: context.pathParameter("name"), partition: request.integer("partition") ?? 0,
                    from: request.browsePosition(), limit: request.integer("limit") ?? 20)
            }
        }
        router.get("/api/groups") { _, _ in await api { try await reader.groups() } }
        router.get("/api/groups/:id") { _, context in await api { try await reader.group(context.pathParameter("id")) } }
        router.get("/api/pipelines") { _, _ in await api { try await pipelines.summaries() } }
        router.get("/api/pipelines/:name") { _, context in await api { try await pipelines.dashboard(context.pathParameter("name")) } }
    }

    private func registerPages(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            await page("Overview", .overview) { _ in
                let overview = try await reader.overview()
                return OverviewPage(overview: overview, groups: try await reader.groups()).render()
            }
        }
        router.get("/topics/:name") { _, context in
            let name = (try? context.pathParameter("name")) ?? "topic"
            return await page(name, .overview, breadcrumbs: [("Overview", "/")], actions: Self.browseButton(name)) { _ in
                TopicPage(topic: try await reader.topic(name)).render()
            }
        }
        router.get("/topics/:name/messages") { request, context in
            let name = (try? context.pathParameter("name")) ?? "topic"
            let breadcrumbs = [("Overview", "/"), (name, Components.topicHref(name))]
            return await page("Messages in \(name)", .overview, refresh: false, breadcrumbs: breadcrumbs) { _ in
                let limit = try request.integer("limit") ?? 20
                let page = try await browser.page(
                    topic: name, partition: request.integer("partition") ?? 0, from: request.browsePosition(), limit: limit)
                let partitions = try await reader.reads.topic(name).partitions.count
                return MessagesPage(
                    page: page, partitionCount: partitions, limit: limit,
                    requestedOffset: request.text("offset") ?? "", requestedTime: request.text("time") ?? "").render()
            }
        }
        router.get("/groups") { _, _ in
            await page("Consumer groups", .groups) { _ in GroupsPage(groups: try await reader.groups()).render() }
        }
        router.get("/groups/:id") { _, context in
            let id = (try? context.pathParameter("id")) ?? "group"
            return await page(id, .groups, breadcrumbs: [("Consumer groups", "/groups")]) { layout in
                let detail = try await reader.group(id)
                layout.titleExtras = Components.badge(detail.summary.status)
                return GroupPage(group: detail).render()
            }
        }
        router.get("/pipelines") { _, _ in
            await page("Pipelines", .pipelines) { _ in PipelinesPage(pipelines: try await pipelines.summaries()).render() }
        }
        router.get("/pipelines/:name") { _, context in
            let name = (try? context.pathParameter("name")) ?? "pipeline"
            return await page(name, .pipelines, breadcrumbs: [("Pipelines", "/pipelines")]) { _ in
                PipelineDashboardPage(dashboard: try await pipelines.dashboard(name)).render()
            }
        }
    }

    private func api(_ body: () async throws -> some Encodable) async -> Response {
        do {
            return try Replies.json(try await body())
        } catch {
            return Replies.jsonError(error)
        }
    }

    /// Renders a page in the layout; a failure becomes the same layout with the error and its status.
    private func page(
        _ title: String, _ section: Section, refresh: Bool = true, breadcrumbs: [(String, String)] = [], actions: String = "",
        _ content: (inout Layout) async throws -> String
    ) async -> Response {
        var layout = Layout(
            title: title, section: section, context: PageContext(bootstrap: reader.bootstrap, sampling: await reader.samplingStatus()),
            refreshSeconds: refresh ? refreshSeconds : 0, breadcrumbs: breadcrumbs.map { (title: $0.0, href: $0.1) }, actions: actions)
        do {
            let html = try await content(&layout)
            return Replies.html(layout.render(html))
        } catch {
            let reply = ErrorReply(error)
            layout.refreshSeconds = 0
            return Replies.html(layout.render(#"<div class="error-box">\#(HTMLText.escape(reply.message))</div>"#), status: reply.status)
        }
    }

    private static func browseButton(_ topic: String) -> String {
        #"<a class="button" href="\#(Components.topicHref(topic))/messages">Browse messages</a>"#
    }
}

/// `/health`: the console answers; healthy while its last sampling round succeeded (or none ran yet).
struct HealthReport: Encodable, Sendable {
    /// "ok", "starting" (no round yet) or "degraded" (the last round failed).
    var status: String
    var lastSampleAt: Int64?
    var lastSampleAgeSeconds: Double?
    var lastError: String?
    var rounds: Int

    var isHealthy: Bool { status != "degraded" }

    init(sampling: SamplingStatus, now: Int64) {
        status = sampling.lastError != nil ? "degraded" : sampling.lastSampleAt == nil ? "starting" : "ok"
        lastSampleAt = sampling.lastSampleAt
        lastSampleAgeSeconds = sampling.lastSampleAt.map { Double(now - $0) / 1000 }
        lastError = sampling.lastError
        rounds = sampling.rounds
    }
}
