import ArgumentParser
import Foundation
import Takeoff

/// `--anchor` and `--anchors`: block hashes the operator trusts, for `replay`, `verify --archive` and `snapshot import`.
struct AnchorOptions: ParsableArguments {
    @Option(
        name: .customLong("anchor"),
        help: ArgumentHelp("A trusted block hash, BLOCK:HASH (repeatable); the archive or snapshot must agree.", valueName: "block:hash"))
    var inline: [String] = []

    @Option(
        name: .customLong("anchors"),
        help: ArgumentHelp("A file of trusted block hashes, one 'BLOCK HASH' a line ('#' starts a comment).", valueName: "file"))
    var file: String?

    /// The anchors given, from both options together.
    func load() throws -> TrustAnchors {
        var anchors = try inline.map { text throws(TrustAnchorError) in try TrustAnchor(parsing: text, source: "--anchor") }
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw CommandError(description: "cannot read the trust anchors file \(file)")
            }
            anchors += try TrustAnchors(list: text, source: file).anchors
        }
        return try TrustAnchors(anchors)
    }
}

/// The summary line of the anchors a command checked.
func anchorsText(_ anchors: [TrustAnchor]) -> String {
    anchors.isEmpty
        ? "no trust anchors given"
        : "trust anchors checked: " + anchors.map { "block \($0.block) (\($0.hash.hex.prefix(16))…)" }.joined(separator: ", ")
}
