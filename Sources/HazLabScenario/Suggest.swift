/// "Did you mean …?" suggestions for misspelt keys, ids and values.
public enum Suggest {
    /// The candidate closest to `word` by Damerau–Levenshtein distance (optimal string alignment:
    /// insertions, deletions, substitutions and adjacent transpositions cost 1), compared
    /// case-insensitively over Unicode scalars. Only candidates within `max(1, word.count / 3)`
    /// edits are suggested; ties go to the earliest candidate. An exact match (ignoring case) wins.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let w = Array(word.lowercased().unicodeScalars)
        let threshold = max(1, w.count / 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let c = Array(candidate.lowercased().unicodeScalars)
            if abs(c.count - w.count) > threshold { continue }
            let limit = min(threshold, (best?.distance ?? Int.max) - 1)
            if limit < 0 { break }
            if let d = distance(w, c, limit: limit) {
                best = (candidate, d)
                if d == 0 { break }
            }
        }
        return best?.candidate
    }

    /// Optimal-string-alignment distance, or nil when it exceeds `limit` (rows are cut off early).
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int? {
        if a.isEmpty { return b.count <= limit ? b.count : nil }
        if b.isEmpty { return a.count <= limit ? a.count : nil }
        let n = b.count
        var prev2 = [Int](repeating: 0, count: n + 1)
        var prev = Array(0...n)
        var cur = [Int](repeating: 0, count: n + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...n {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, prev2[j - 2] + 1)
                }
                cur[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return nil }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[n] <= limit ? prev[n] : nil
    }
}
