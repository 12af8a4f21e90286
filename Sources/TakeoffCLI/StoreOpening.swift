import Foundation
import Takeoff

/// Why the command line could not go on.
struct CommandError: Error, CustomStringConvertible {
    var description: String
}

/// Opens the state store in `path`, creating the directory when it does not exist yet.
/// - Throws: ``CommandError`` when `path` is a file or cannot be created, and the store's own errors (a
///   read-only or unusable directory) otherwise.
func openStore(at path: String, syncOnCommit: Bool = true) throws -> StateStore {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw CommandError(description: "--db \(path) is a file, not a directory") }
    } else {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CommandError(description: "cannot create the database directory \(path): \(error.localizedDescription)")
        }
    }
    do {
        return try StateStore(directory: path, syncOnCommit: syncOnCommit)
    } catch {
        throw CommandError(description: "cannot open the database in \(path): \(error)")
    }
}
