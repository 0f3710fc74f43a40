import Foundation

/// Accumulates Swift source lines with 4-space indentation.
struct CodeWriter {
    private(set) var lines: [String] = []
    private var depth = 0

    mutating func line(_ text: String = "") {
        lines.append(text.isEmpty ? "" : String(repeating: "    ", count: depth) + text)
    }

    /// Emits `header {`, the body one level deeper, then `}`.
    mutating func block(_ header: String, _ body: (inout CodeWriter) -> Void) {
        line(header + " {")
        depth += 1
        body(&self)
        depth -= 1
        line("}")
    }

    /// Emits the body under `if condition { }`, or unconditionally when the condition is nil.
    mutating func conditional(_ condition: String?, _ body: (inout CodeWriter) -> Void) {
        if let condition {
            block("if \(condition)", body)
        } else {
            body(&self)
        }
    }

    /// Emits the body one level deeper, without braces (e.g. a `case` body).
    mutating func indented(_ body: (inout CodeWriter) -> Void) {
        depth += 1
        body(&self)
        depth -= 1
    }

    /// Emits `if condition { then } else { otherwise }`.
    mutating func ifElse(
        _ condition: String, _ then: (inout CodeWriter) -> Void, _ otherwise: (inout CodeWriter) -> Void
    ) {
        line("if \(condition) {")
        depth += 1
        then(&self)
        depth -= 1
        line("} else {")
        depth += 1
        otherwise(&self)
        depth -= 1
        line("}")
    }

    mutating func append(_ other: CodeWriter) {
        for text in other.lines {
            lines.append(text.isEmpty ? "" : String(repeating: "    ", count: depth) + text)
        }
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}

/// Swift keywords that must be backtick-escaped when used as identifiers.
let swiftKeywords: Set<String> = [
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
    "super", "throws", "true", "try", "Type", "Protocol",
]

/// `TransactionalId` → `transactionalId`, escaped when it is a keyword.
func swiftPropertyName(_ specName: String) -> String {
    guard let first = specName.first else { return specName }
    let name = first.lowercased() + specName.dropFirst()
    return swiftKeywords.contains(name) ? "`\(name)`" : name
}

/// `Produce` → `produce`, `ApiVersions` → `apiVersions`.
func lowerCamel(_ name: String) -> String {
    guard let first = name.first else { return name }
    return first.lowercased() + name.dropFirst()
}

/// A one-line `///` doc comment from a spec's "about" text.
func docComment(_ about: String) -> String? {
    let text = about.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
    return text.isEmpty ? nil : "/// " + text
}
