import Foundation
import TakeoffIO
import TakeoffCore
import TakeoffBuiltinChain

/// The real Ethereum mainnet transactions in `Fixtures/ethereum-mainnet` (see its README for the source and
/// attribution), one row per transaction.
public struct MainnetTrace: Sendable {
    /// One row of the trace.
    public struct Row: Hashable, Sendable {
        public enum Kind: String, Sendable { case ethTransfer = "eth-transfer", erc20Transfer = "erc20-transfer", contractCall = "contract-call", create }
        public var block: UInt64
        public var sender: Address
        public var recipient: Address
        public var kind: Kind
        public var token: Address?
        public var amount: UInt128
        public var valueWei: UInt128
        public var gasLimit: UInt64
        public var gasUsed: UInt64?
    }

    /// The rows in trace order.
    public let rows: [Row]

    /// The rows grouped into the trace's blocks, in order.
    public var blocks: [[Row]] {
        var blocks: [[Row]] = []
        for row in rows {
            if let last = blocks.last?.last, last.block == row.block {
                blocks[blocks.count - 1].append(row)
            } else {
                blocks.append([row])
            }
        }
        return blocks
    }

    /// Loads a trace file: CSV, or zstd-compressed CSV when the name ends in `.zst`.
    /// - Throws: ``WorkloadError`` naming the file (and line) when it cannot be read or parsed.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw WorkloadError.unreadableFile(path) }
        var bytes = [UInt8](data)
        if path.hasSuffix(".zst") {
            do { bytes = try Zstd.decompress(bytes, limit: 1 << 30) } catch {
                throw WorkloadError.malformedTrace(file: path, line: 0, reason: "\(error)")
            }
        }
        try self.init(csv: String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Parses CSV text with the trace's header line.
    /// - Throws: ``WorkloadError/malformedTrace(file:line:reason:)`` for any bad line.
    public init(csv: String, file: String = "<text>") throws {
        let expectedHeader = "block,tx_index,tx_hash,sender,recipient,kind,token,amount,value_wei,gas_limit,gas_used,status"
        var rows: [Row] = []
        var lineNumber = 0
        // Split on bytes: in Swift strings "\r\n" is one Character, so splitting on "\n" would miss it.
        for lineBytes in csv.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let withoutReturn = lineBytes.last == UInt8(ascii: "\r") ? lineBytes.dropLast() : lineBytes[...]
            let text = Substring(String(decoding: withoutReturn, as: UTF8.self))
            if lineNumber == 1 {
                guard text == expectedHeader else {
                    throw WorkloadError.malformedTrace(file: file, line: 1, reason: "expected the header \"\(expectedHeader)\"")
                }
                continue
            }
            if text.isEmpty { continue }
            do {
                rows.append(try Self.parse(row: text))
            } catch {
                throw WorkloadError.malformedTrace(file: file, line: lineNumber, reason: "\(error)")
            }
        }
        guard !rows.isEmpty else { throw WorkloadError.malformedTrace(file: file, line: lineNumber, reason: "no transactions") }
        self.rows = rows
    }

    private struct FieldError: Error, CustomStringConvertible {
        var description: String
    }

    private static func parse(row text: Substring) throws -> Row {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 12 else { throw FieldError(description: "expected 12 fields, found \(fields.count)") }
        func number<T: FixedWidthInteger>(_ index: Int, _ name: String, as _: T.Type) throws -> T {
            guard let value = T(fields[index]) else { throw FieldError(description: "\(name) \"\(fields[index])\" is not a \(T.self)") }
            return value
        }
        guard let kind = Row.Kind(rawValue: String(fields[5])) else { throw FieldError(description: "unknown kind \"\(fields[5])\"") }
        let token = fields[6].isEmpty ? nil : try Address(hex: fields[6])
        if kind == .erc20Transfer, token == nil { throw FieldError(description: "erc20-transfer without a token") }
        return Row(
            block: try number(0, "block", as: UInt64.self),
            sender: try Address(hex: fields[3]),
            recipient: try Address(hex: fields[4]),
            kind: kind,
            token: token,
            amount: fields[7].isEmpty ? 0 : try number(7, "amount", as: UInt128.self),
            valueWei: fields[8].isEmpty ? 0 : try number(8, "value_wei", as: UInt128.self),
            gasLimit: try number(9, "gas_limit", as: UInt64.self),
            gasUsed: fields[10].isEmpty ? nil : try number(10, "gas_used", as: UInt64.self))
    }
}

/// Why a workload could not be built.
public enum WorkloadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadableFile(String)
    /// A trace line could not be parsed.
    case malformedTrace(file: String, line: Int, reason: String)
    /// A setting is out of range.
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .unreadableFile(let path): "cannot read \(path)"
        case .malformedTrace(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .invalidSetting(let reason): reason
        }
    }
}
