import LagHealth

/// Which top-level section a page belongs to, for the navigation bar.
enum Section {
    case overview, groups, pipelines
}

/// What every page shows around its content: the cluster address and how fresh the samples are.
struct PageContext: Sendable {
    var bootstrap: String
    var sampling: SamplingStatus
}

/// The page shell: head with the inline stylesheet, the top bar, breadcrumbs and title, the main
/// section (which auto-refresh replaces) and the inline script.
struct Layout {
    var title: String
    var section: Section
    var context: PageContext
    /// Seconds between auto-refreshes; 0 for pages that must not refresh (the message browser).
    var refreshSeconds: Int
    var breadcrumbs: [(title: String, href: String)] = []
    /// Extra HTML beside the title (badges, buttons); already escaped.
    var titleExtras = ""
    var actions = ""

    func render(_ content: String) -> String {
        let sampling = context.sampling
        let staleAfter = Int(sampling.intervalSeconds * 3000)
        let freshness = sampling.lastSampleAt.map {
            #"<span><span class="dot-live"></span>sampled <span id="sampled-at" data-ts="\#($0)" data-stale-after="\#(staleAfter)">\#(NumberText.timestamp(milliseconds: $0))</span></span>"#
        } ?? #"<span><span class="dot-live stale"></span>waiting for the first sample</span>"#
        let crumbs = breadcrumbs.isEmpty ? "" : #"<div class="crumbs">"#
            + breadcrumbs.map { #"<a href="\#($0.href)">\#(HTMLText.escape($0.title))</a>"# }.joined(separator: " › ") + "</div>"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title)) · logport console</title>
            <link rel="icon" href="data:,">
            <style>\(Stylesheet.css)</style>
            </head>
            <body data-refresh="\(refreshSeconds)">
            <header class="topbar">
            <a class="brand" href="/">\(Self.logo) logport <span>console</span></a>
            <nav>\(navigation)</nav>
            <div class="cluster"><span>cluster <code>\(HTMLText.escape(context.bootstrap))</code></span>\(freshness)<button class="toggle" id="refresh-toggle" type="button" hidden>Auto-refresh: on</button></div>
            </header>
            <main id="main">
            \(crumbs)
            <div class="title"><h1>\(HTMLText.escape(title))</h1>\(titleExtras)<div class="actions">\(actions)</div></div>
            \(content)
            </main>
            <footer>logport console · offsets and lag read live from the cluster; rates and verdicts from samples every \(DurationText.format(milliseconds: Int64(sampling.intervalSeconds * 1000))) over a window of \(sampling.windowSize)</footer>
            <script>\(Script.js)</script>
            </body>
            </html>
            """
    }

    private var navigation: String {
        [(Section.overview, "/", "Overview"), (.groups, "/groups", "Consumer groups"), (.pipelines, "/pipelines", "Pipelines")].map { item in
            #"<a href="\#(item.1)"\#(item.0 == section ? #" class="active""# : "")>\#(item.2)</a>"#
        }.joined()
    }

    /// Three stacked bars: a log, drawn inline.
    private static let logo = ##"<svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true"><rect x="2" y="3" width="16" height="3.2" rx="1.6" fill="#6ea0ff"/><rect x="2" y="8.4" width="11" height="3.2" rx="1.6" fill="#9fc0ff"/><rect x="2" y="13.8" width="14" height="3.2" rx="1.6" fill="#cfe0ff"/></svg>"##
}
