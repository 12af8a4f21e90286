import Foundation

/// Finds a file that ships with the repository (the mainnet trace, the plotting script) wherever the command is
/// run from: in the working directory, or in the directories above the executable (a build puts it in
/// `.build/<configuration>/` inside the repository).
enum RepositoryFile {
    /// The first readable candidate for `relativePath`, or nil.
    static func locate(_ relativePath: String) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relativePath]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.appendingPathComponent(relativePath).path)
            directory.deleteLastPathComponent()
        }
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}

/// The mainnet trace that ships with the repository, used when no `--trace` is given.
enum TraceLocation {
    /// The trace's path inside the repository.
    static let relativePath = "Fixtures/ethereum-mainnet/mainnet-85-blocks.csv.zst"

    /// `given` when set; otherwise the repository's trace.
    /// - Throws: ``CommandError`` saying where it looked and what to pass.
    static func resolve(_ given: String?) throws -> String {
        if let given {
            guard FileManager.default.isReadableFile(atPath: given) else {
                throw CommandError(description: "cannot read the mainnet trace \(given)")
            }
            return given
        }
        if let found = RepositoryFile.locate(relativePath) { return found }
        throw CommandError(
            description: "the mainnet trace was not found (looked for \(relativePath) in the working directory and above the "
                + "executable); pass --trace with the path of mainnet-85-blocks.csv.zst from the repository")
    }
}
