import HazLabRecords

/// Times in reports: stored in UTC, shown in the reader's zone as a fixed offset (no zone
/// database, so every machine writes the same bytes). zh-CN readers get Beijing time, English
/// readers UTC, unless the caller names an offset.
extension UTCOffset {
    public static func readerDefault(_ lang: ReportLanguage) -> UTCOffset { lang == .en ? .utc : .beijing }

    /// "2026-01-01 08:00", or "—" when the time is unknown.
    func shown(_ ms: Int64?) -> String { ms.map(display(millis:)) ?? "—" }

    /// The note under a table of times: which zone they are in.
    func note(_ lang: ReportLanguage) -> String {
        if lang == .en { return "Times are UTC\(description)." }
        return self == .beijing ? "时间为北京时间（UTC+08:00）。" : "时间为 UTC\(description)。"
    }
}
