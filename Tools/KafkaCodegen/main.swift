import Foundation

// KafkaCodegen: generates Swift message types from Kafka's JSON message specs.
// Usage: swift run KafkaCodegen <spec-dir> <output-dir> [--tests-output <dir>] [--amendments <file>] [--only A,B]
// `--only` restricts generation to the named APIs (e.g. Produce,Fetch); headers are always generated.

let arguments = Array(CommandLine.arguments.dropFirst())
var positional: [String] = []
var testsOutput: String? = nil
var amendmentsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "amendments.json"
).path
var onlyAPIs: Set<String>? = nil
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    switch argument {
    case "--tests-output", "--amendments", "--only":
        guard index + 1 < arguments.count else {
            FileHandle.standardError.write(Data("missing value for \(argument)\n".utf8))
            exit(2)
        }
        let value = arguments[index + 1]
        if argument == "--tests-output" { testsOutput = value }
        if argument == "--amendments" { amendmentsPath = value }
        if argument == "--only" { onlyAPIs = Set(value.split(separator: ",").map(String.init)) }
        index += 2
    default:
        positional.append(argument)
        index += 1
    }
}
guard positional.count == 2 else {
    FileHandle.standardError.write(
        Data(
            "usage: KafkaCodegen <spec-dir> <output-dir> [--tests-output <dir>] [--amendments <file>] [--only A,B]\n"
                .utf8))
    exit(2)
}

do {
    let generator = Generator(
        specDirectory: URL(fileURLWithPath: positional[0]),
        outputDirectory: URL(fileURLWithPath: positional[1]),
        testsDirectory: testsOutput.map { URL(fileURLWithPath: $0) },
        amendments: FileManager.default.fileExists(atPath: amendmentsPath)
            ? try Amendments(url: URL(fileURLWithPath: amendmentsPath)) : .empty,
        onlyAPIs: onlyAPIs)
    try generator.run()
} catch {
    FileHandle.standardError.write(Data("KafkaCodegen: \(error)\n".utf8))
    exit(1)
}
