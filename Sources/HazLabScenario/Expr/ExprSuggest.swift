/// "Did you mean ...?" suggestions for the expression compiler (internal; deterministic).
enum ExprSuggest {
    /// Levenshtein distance over Unicode scalars.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0 ... y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1 ... x.count {
            cur[0] = i
            for j in 1 ... y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }

    /// The candidate closest to `name` (case-insensitive distance first, then case-sensitive
    /// distance, then candidate order), or nil when nothing is close enough.
    static func closest(to name: String, in candidates: [String]) -> String? {
        let n = name.unicodeScalars.count
        let limit = n <= 2 ? 1 : max(2, n / 3)
        let lower = name.lowercased()
        var best: (String, Int, Int)?
        for c in candidates where c != name {
            let d = distance(lower, c.lowercased())
            guard d <= limit else { continue }
            let ds = distance(name, c)
            if let b = best, (b.1, b.2) <= (d, ds) { continue }
            best = (c, d, ds)
        }
        return best?.0
    }

    /// "; did you mean 'x'?" or "".
    static func hint(_ name: String, _ candidates: [String]) -> String {
        closest(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
