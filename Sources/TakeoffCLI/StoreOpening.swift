import Foundation
import Takeoff

/// Why the command line could not go on.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    /// What the exit status says about it: by default that this machine failed; an input refused the same on
    /// every machine says so.
    var exitStatus: ExitStatus = .machineFailure
}

/// How a command uses a state store directory.
enum StoreAccess {
    /// Write to it, creating the directory and the store when missing (`run`, `replay`, `snapshot import`).
    case create
    /// Write to an existing store only (`unwind`).
    case existing
    /// Read an existing store, creating and locking nothing (`inspect`, `snapshot export`).
    case readOnly
}

/// Opens the state store in `path`; `writesThroughMap` as ``LMDBStateStore/init(directory:syncOnCommit:initialMapSize:keepHistory:readOnly:writesThroughMap:)``
/// says.
/// - Throws: ``CommandError`` when `path` is a file, holds no store (unless `access` is `.create`), cannot be
///   created, or is in use by another writer; the store's own errors otherwise.
func openStore(at path: String, access: StoreAccess, syncOnCommit: Bool = true, writesThroughMap: Bool = false) throws -> LMDBStateStore {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw CommandError(description: "--db \(path) is a file, not a directory") }
    } else if access == .create {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CommandError(description: "cannot create the database directory \(path): \(error.localizedDescription)")
        }
    } else {
        throw CommandError(description: "no state store in \(path): the directory does not exist")
    }
    if access == .existing && !FileManager.default.fileExists(atPath: path + "/data.mdb") {
        throw CommandError(description: "no state store in \(path)")
    }
    do {
        return try LMDBStateStore(
            directory: path, syncOnCommit: syncOnCommit, readOnly: access == .readOnly, writesThroughMap: writesThroughMap)
    } catch let error as StateStoreError {
        throw CommandError(description: advised("\(error)", for: error))
    } catch {
        throw CommandError(description: "cannot open the database in \(path): \(error)")
    }
}

/// Checks that `path`, given as an archive directory, is a directory or absent (when `mayCreate`), before
/// anything else is opened or created.
/// - Throws: ``CommandError`` naming the path.
func checkArchivePath(_ path: String, mayCreate: Bool) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw CommandError(description: "--archive \(path) is a file, not a directory") }
    } else if !mayCreate {
        throw CommandError(description: "no archive in \(path): the directory does not exist")
    }
}
