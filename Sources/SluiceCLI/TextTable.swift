/// A plain-text table: a header row, a rule, and rows with columns padded to the widest cell.
/// Columns whose cells are all numbers (or empty) are right-aligned so digits line up.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The table as lines joined by "\n" (with a trailing newline); no rows prints "(none)" under the header.
    public func render() -> String {
        let columns = headers.count
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.prefix(columns).enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        let numeric = (0..<columns).map { column in
            !rows.isEmpty
                && rows.allSatisfy { row in
                    let cell = column < row.count ? row[column] : ""
                    return cell.isEmpty || cell == "-" || Int64(cell) != nil || Double(cell) != nil
                }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for i in 0..<columns {
                let cell = i < cells.count ? cells[i] : ""
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(numeric[i] ? pad + cell : cell + pad)
            }
            return String(parts.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
        var out = line(headers) + "\n"
        out += line(widths.map { String(repeating: "-", count: $0) }) + "\n"
        if rows.isEmpty { out += "(none)\n" }
        for row in rows { out += line(row) + "\n" }
        return out
    }
}
