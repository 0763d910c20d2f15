/// `/topics/{name}/messages`: a form to pick partition and start (offset or time), then the records
/// with key, headers and value; JSON values are pretty-printed, and every byte of a record is escaped.
struct MessagesPage {
    var page: MessagePage
    var partitionCount: Int
    var limit: Int
    /// The values the form was submitted with, shown back in it.
    var requestedOffset: String
    var requestedTime: String

    func render() -> String {
        let base = Components.topicHref(page.topic) + "/messages"
        let options = (0..<max(partitionCount, 1)).map { index in
            #"<option value="\#(index)"\#(Int32(index) == page.partition ? " selected" : "")>\#(index)</option>"#
        }.joined()
        let limits = Set([20, 50, 100, 500, limit]).sorted().map { value in
            #"<option value="\#(value)"\#(value == limit ? " selected" : "")>\#(value)</option>"#
        }.joined()
        let form = """
            <form class="browse" method="get" action="\(base)">
            <label>Partition<select name="partition">\(options)</select></label>
            <label>From offset<input type="number" name="offset" min="0" placeholder="newest" value="\(HTMLText.escape(requestedOffset))"></label>
            <label>Or from time (UTC)<input type="datetime-local" name="time" step="1" value="\(HTMLText.escape(requestedTime))"></label>
            <label>Records<select name="limit">\(limits)</select></label>
            <button class="button" type="submit">Show records</button>
            </form>
            """
        let older = max(page.earliestOffset, page.startOffset - Int64(limit))
        let link = { (offset: Int64) in "\(base)?partition=\(page.partition)&limit=\(limit)&offset=\(offset)" }
        let pager = #"<div class="pager" style="margin-left:auto">"#
            + (page.startOffset > page.earliestOffset ? #"<a class="button secondary" href="\#(link(older))">← Older</a>"# : "")
            + (page.nextOffset < page.latestOffset ? #"<a class="button secondary" href="\#(link(page.nextOffset))">Newer →</a>"# : "")
            + "</div>"
        let range = "partition \(page.partition) holds offsets \(NumberText.grouped(page.earliestOffset)) to \(NumberText.grouped(max(page.earliestOffset, page.latestOffset - 1)))"
        let hint = page.messages.isEmpty ? range : "showing \(page.messages.count) from offset \(NumberText.grouped(page.startOffset)); \(range)"
        let messages = page.messages.isEmpty
            ? #"<div class="empty">No records here: the partition is empty from this position.</div>"#
            : page.messages.map(Self.message).joined()
        return Components.card("Find records", bodyHTML: form, padded: true)
            + Components.card("Records", hint: hint, tools: pager, bodyHTML: messages)
    }

    private static func message(_ message: BrowsedMessage) -> String {
        let time = message.timestamp.map { "\(NumberText.timestamp(milliseconds: $0)) (\(message.timestampType ?? "time"))" } ?? "no timestamp"
        let key = message.key.map { #"<span class="mono">\#(HTMLText.escape($0.displayText))</span>"# } ?? #"<span class="muted">null</span>"#
        let headers = message.headers.isEmpty ? "" : #"<div class="message-meta">"# + message.headers.map { header in
            #"<span class="chip">\#(HTMLText.escape(header.key))=\#(HTMLText.escape(header.value?.displayText ?? "null"))</span>"#
        }.joined() + "</div>"
        let value: String
        if let payload = message.value {
            let text = payload.encoding == "utf8" ? (JSONText.prettyPrinted(payload.data) ?? payload.data) : payload.displayText
            value = #"<pre class="value">\#(HTMLText.escape(text))</pre>"#
        } else {
            value = #"<pre class="value muted">null (tombstone)</pre>"#
        }
        return """
            <div class="message" id="offset-\(message.offset)">
            <div class="message-meta"><span>offset <b>\(message.offset)</b></span><span>\(HTMLText.escape(time))</span><span>key \(key)</span><span>\(NumberText.grouped(message.value?.size ?? 0)) bytes</span></div>
            \(headers)\(value)
            </div>
            """
    }
}
