import Foundation
import Testing

/// The "Bring your own chain" tutorial quotes the example chain: every code block in it must still be a
/// run of consecutive lines of one of the example's sources (compared without indentation), so that the
/// tutorial never shows code the example no longer has.
@Suite struct TutorialExcerptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func trimmedLines(_ text: String) -> [String] {
        text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func everyExcerptIsInTheExample() throws {
        let tutorial = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/TakeoffCore/TakeoffCore.docc/BringYourOwnChain.md"), encoding: .utf8)
        let sourcesDirectory = Self.root.appendingPathComponent("Examples/TallyChain/Sources")
        let files = FileManager.default.enumerator(at: sourcesDirectory, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        let sources = try files.map { Self.trimmedLines(try String(contentsOf: $0, encoding: .utf8)) }
        #expect(sources.count >= 5)

        let blocks = tutorial.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 8)
        for block in blocks {
            let excerpt = Self.trimmedLines(block).filter { !$0.isEmpty }
            let found = sources.contains { source in
                let lines = source.filter { !$0.isEmpty }
                return lines.indices.contains { start in
                    start + excerpt.count <= lines.count && Array(lines[start..<start + excerpt.count]) == excerpt
                }
            }
            #expect(found, "not in the example's sources: \(excerpt.first ?? "")")
        }
    }
}
