/// Why code generation stopped.
enum CodegenError: Error, CustomStringConvertible {
    case invalidSpec(String)
    case usage(String)

    var description: String {
        switch self {
        case .invalidSpec(let message): return "invalid spec: \(message)"
        case .usage(let message): return message
        }
    }
}
