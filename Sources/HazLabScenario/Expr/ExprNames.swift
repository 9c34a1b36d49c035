/// Names usable in expressions: ASCII letter first, then letters, digits and '_'.
enum ExpressionCompilerNames {
    static func isValidName(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let f = u.first, (f >= 65 && f <= 90) || (f >= 97 && f <= 122) else { return false }
        return u.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
