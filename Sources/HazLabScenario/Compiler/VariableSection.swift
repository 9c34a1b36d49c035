import Foundation
import HazLabCore

/// `variables`: named expressions a scenario's conditions may use.
extension Compilation {
    mutating func readVariables(_ node: YNode?) {
        guard let node else { return }
        guard case .mapping(let pairs) = node.content else {
            bag.error(node.location, "expected a mapping for 'variables', found \(node.kindName)")
            return
        }
        for pair in pairs {
            if !ExpressionCompilerNames.isValidName(pair.key) {
                bag.error(pair.keyLocation, "invalid variable name '\(pair.key)'")
                continue
            }
            if entityRow[pair.key] != nil {
                bag.error(pair.keyLocation, "variable '\(pair.key)' has the same name as an entity")
                continue
            }
            guard case .scalar(let s) = pair.value.content, !s.isNull else {
                bag.error(pair.value.location, "expected an expression for variable '\(pair.key)', found \(pair.value.kindName)")
                continue
            }
            variables[pair.key] = VariableSource(text: s.text, location: expressionStart(pair.value))
            sources["variable.\(pair.key)"] = s.text
        }
    }
}
