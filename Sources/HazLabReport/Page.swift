/// The HTML document around a report: inline CSS, no scripts, no external resources.
/// Output is XHTML-compatible (every element closed, attributes quoted) so it parses as XML.
struct Page {
    var m = Markup()
    let lang: ReportLanguage

    static let css = """
    :root { color-scheme: light; }
    body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Helvetica Neue", Arial, sans-serif;
           margin: 0; padding: 24px 32px 48px; color: #222; background: #fafafa; font-size: 14px; line-height: 1.5; }
    main { max-width: 1180px; margin: 0 auto; }
    h1 { font-size: 24px; margin: 0 0 4px; }
    h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #1f77b4; }
    h3 { font-size: 16px; margin: 20px 0 8px; }
    p.subtitle { margin: 0 0 16px; color: #555; }
    p.note { color: #555; font-size: 13px; margin: 4px 0 10px; }
    section.scenario { margin-top: 28px; }
    table { border-collapse: collapse; background: #fff; margin: 4px 0 12px; font-size: 13px; }
    th, td { border: 1px solid #d0d0d0; padding: 4px 8px; text-align: left; vertical-align: top; }
    th { background: #eef3f8; font-weight: 600; white-space: nowrap; }
    td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
    td.text { min-width: 180px; }
    td.title { min-width: 8em; }
    td.mono, span.mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
    tr.total td { font-weight: 600; background: #f4f4f4; }
    tr.veto td, td.veto { color: #8b0000; font-weight: 600; }
    tr.rejected td { color: #b03030; }
    tr.deduction td { background: #fff4f4; }
    table.meta th { width: 170px; }
    .summary { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
    .badge { background: #fff; border: 1px solid #d0d0d0; border-radius: 8px; padding: 12px 20px; min-width: 200px; text-align: center; }
    .badge .big { font-size: 34px; font-weight: 700; }
    .badge .grade { font-size: 22px; font-weight: 700; margin-left: 6px; }
    .pass { color: #1a7f37; }
    .fail { color: #c62828; }
    .grade-excellent { color: #1a7f37; } .grade-good { color: #1f77b4; } .grade-pass { color: #b8860b; } .grade-fail { color: #c62828; }
    .chart-box { overflow-x: auto; margin: 8px 0 14px; }
    .chart-box svg { background: #fff; border: 1px solid #e0e0e0; display: block; }
    .charts { display: flex; flex-wrap: wrap; gap: 16px; }
    footer { margin-top: 40px; color: #777; font-size: 12px; }
    @media print { body { background: #fff; padding: 0; } h2 { break-after: avoid; } .chart-box, table { break-inside: avoid; } }
    """

    init(lang: ReportLanguage, title: String, generator: String = "hazlab report", extraCSS: String = "") {
        self.lang = lang
        m.raw("<!DOCTYPE html>\n")
        m.open("html", [("xmlns", "http://www.w3.org/1999/xhtml"), ("lang", lang.rawValue), ("xml:lang", lang.rawValue)])
        m.newline()
        m.open("head")
        m.leaf("meta", [("charset", "utf-8")])
        m.leaf("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
        m.leaf("meta", [("name", "generator"), ("content", generator)])
        m.element("title", [], title)
        m.open("style")
        m.raw(Self.css)
        if !extraCSS.isEmpty { m.raw("\n" + extraCSS) }
        m.close()
        m.close()
        m.newline()
        m.open("body")
        m.open("main")
    }

    mutating func finish(engine: String, generatedBy: String? = nil) -> String {
        m.open("footer")
        m.content("\(generatedBy ?? L.generatedBy(lang)) \(engine)")
        m.close()
        m.close(to: 0)
        m.newline()
        return m.text
    }

    mutating func h(_ level: Int, _ text: String, id: String? = nil) {
        m.element("h\(level)", id.map { [("id", $0)] } ?? [], text)
        m.newline()
    }

    mutating func note(_ text: String) { m.element("p", [("class", "note")], text) }

    mutating func chart(_ svg: String) {
        m.open("div", [("class", "chart-box")])
        m.raw(svg)
        m.close()
        m.newline()
    }

    struct Cell {
        var text: String
        var cls: String?
        var attrs: Markup.Attributes = []
        /// When set, the cell's text is a link to this address.
        var href: String?
        init(_ text: String, _ cls: String? = nil, _ attrs: Markup.Attributes = [], href: String? = nil) {
            self.text = text; self.cls = cls; self.attrs = attrs; self.href = href
        }
        static func num(_ text: String, _ attrs: Markup.Attributes = []) -> Cell { Cell(text, "num", attrs) }
    }

    struct Row {
        var cells: [Cell]
        var cls: String?
        var attrs: Markup.Attributes = []
        init(_ cells: [Cell], cls: String? = nil, attrs: Markup.Attributes = []) { self.cells = cells; self.cls = cls; self.attrs = attrs }
    }

    /// A table with a header row; `numeric` marks right-aligned header columns.
    mutating func table(id: String?, cls: String, headers: [String], numeric: Set<Int> = [], rows: [Row]) {
        var a: Markup.Attributes = []
        if let id { a.append(("id", id)) }
        a.append(("class", cls))
        m.open("table", a)
        m.open("thead")
        m.open("tr")
        for (i, h) in headers.enumerated() { m.element("th", numeric.contains(i) ? [("class", "num")] : [], h) }
        m.close()
        m.close()
        m.open("tbody")
        for r in rows {
            var ra: Markup.Attributes = []
            if let c = r.cls { ra.append(("class", c)) }
            ra.append(contentsOf: r.attrs)
            m.open("tr", ra)
            for c in r.cells {
                var ca: Markup.Attributes = []
                if let k = c.cls { ca.append(("class", k)) }
                ca.append(contentsOf: c.attrs)
                if let href = c.href {
                    m.open("td", ca)
                    m.element("a", [("href", href)], c.text)
                    m.close()
                } else {
                    m.element("td", ca, c.text)
                }
            }
            m.close()
        }
        m.close()
        m.close()
        m.newline()
    }

    /// A two-column key/value table.
    mutating func meta(id: String, _ pairs: [(String, String, String?)]) {
        m.open("table", [("id", id), ("class", "meta")])
        m.open("tbody")
        for (k, v, cls) in pairs {
            m.open("tr")
            m.element("th", [], k)
            m.element("td", cls.map { [("class", $0)] } ?? [], v)
            m.close()
        }
        m.close()
        m.close()
        m.newline()
    }
}
