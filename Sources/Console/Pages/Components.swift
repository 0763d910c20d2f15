import LagHealth

/// The pieces pages are built from. Every argument that is text gets escaped here; arguments named
/// `html` are markup built by these functions.
enum Components {
    struct Column {
        var title: String
        var numeric = false
    }

    /// A table; `id` lets a filter box find it.
    static func table(id: String? = nil, _ columns: [Column], rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return #"<div class="empty">\#(HTMLText.escape(empty))</div>"# }
        let head = columns.map { #"<th\#($0.numeric ? #" class="num""# : "")>\#(HTMLText.escape($0.title))</th>"# }.joined()
        let body = rows.map { cells in
            "<tr>" + zip(columns, cells).map { column, cell in column.numeric ? #"<td class="num">\#(cell)</td>"# : "<td>\(cell)</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        return #"<table\#(id.map { #" id="\#($0)""# } ?? "")><thead><tr>\#(head)</tr></thead><tbody>\#(body)</tbody></table>"#
    }

    /// A card with a heading; `tools` sits at the right of the heading (a filter box).
    static func card(_ title: String, hint: String? = nil, tools: String = "", bodyHTML: String, padded: Bool = false) -> String {
        let hintHTML = hint.map { #"<span class="hint">\#(HTMLText.escape($0))</span>"# } ?? ""
        let body = padded ? #"<div class="card-body">\#(bodyHTML)</div>"# : bodyHTML
        return #"<section class="card"><div class="card-head"><h2>\#(HTMLText.escape(title))</h2>\#(hintHTML)\#(tools)</div>\#(body)</section>"#
    }

    static func filter(for tableID: String, placeholder: String) -> String {
        #"<input type="search" data-filter="\#(tableID)" placeholder="\#(HTMLText.escape(placeholder))" aria-label="\#(HTMLText.escape(placeholder))">"#
    }

    /// A row of headline numbers; `testID` names each value for tests and scripts.
    static func kpis(_ items: [(label: String, value: String, sub: String?)]) -> String {
        #"<div class="kpis">"# + items.map { item in
            let sub = item.sub.map { #"<div class="sub">\#(HTMLText.escape($0))</div>"# } ?? ""
            return #"<div class="kpi"><div class="label">\#(HTMLText.escape(item.label))</div><div class="value">\#(HTMLText.escape(item.value))</div>\#(sub)</div>"#
        }.joined() + "</div>"
    }

    /// A number for a table cell: grouped digits, the exact value in `data-value`.
    static func number(_ value: Int64?) -> String {
        guard let value else { return #"<span class="muted">–</span>"# }
        return #"<span data-value="\#(value)">\#(NumberText.grouped(value))</span>"#
    }

    static func rate(_ value: Double?) -> String {
        guard let value else { return #"<span class="muted">–</span>"# }
        return NumberText.rate(value) + #" <span class="muted">/s</span>"#
    }

    static func link(_ text: String, to href: String) -> String {
        #"<a href="\#(href)">\#(HTMLText.escape(text))</a>"#
    }

    static func badge(_ status: GroupStatus) -> String {
        #"<span class="badge \#(cssClass(status))">\#(status.rawValue)</span>"#
    }

    static func badge(_ status: PartitionStatus) -> String {
        #"<span class="badge \#(cssClass(status.groupStatus))">\#(status.rawValue)</span>"#
    }

    static func cssClass(_ status: GroupStatus) -> String {
        switch status {
        case .unknown: "b-unknown"
        case .ok: "b-ok"
        case .warning: "b-warn"
        case .error: "b-err"
        }
    }

    static func topicHref(_ topic: String) -> String { "/topics/" + HTMLText.pathSegment(topic) }
    static func groupHref(_ group: String) -> String { "/groups/" + HTMLText.pathSegment(group) }
    static func pipelineHref(_ pipeline: String) -> String { "/pipelines/" + HTMLText.pathSegment(pipeline) }

    static func brokerList(_ ids: [Int32]) -> String {
        ids.isEmpty ? "–" : ids.map(String.init).joined(separator: ", ")
    }
}
