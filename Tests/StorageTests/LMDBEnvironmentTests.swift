import Foundation
import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct LMDBEnvironmentTests {
    @Test func putGetDeleteRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let environment = try LMDBEnvironment(path: directory.path)
        let table = try environment.table("things")
        try environment.withWriteTransaction { transaction throws in
            try transaction.put(in: table, key: [1, 2], value: [9, 9, 9])
            try transaction.put(in: table, key: [1, 3], value: [])
        }
        try environment.withReadTransaction { transaction throws in
            #expect(try transaction.value(in: table, forKey: [1, 2]) == [9, 9, 9])
            #expect(try transaction.value(in: table, forKey: [1, 3]) == [])
            #expect(try transaction.value(in: table, forKey: [1, 4]) == nil)
            #expect(try transaction.count(of: table) == 2)
        }
        try environment.withWriteTransaction { transaction throws in
            #expect(try transaction.delete(in: table, key: [1, 2]))
            #expect(try !transaction.delete(in: table, key: [1, 2]))
        }
        try environment.withReadTransaction { transaction throws in #expect(try transaction.value(in: table, forKey: [1, 2]) == nil) }
    }

    @Test func aThrowingWriteTransactionCommitsNothing() throws {
        struct Stop: Error {}
        let directory = try TemporaryDirectory()
        let environment = try LMDBEnvironment(path: directory.path)
        let table = try environment.table("things")
        #expect(throws: Stop.self) {
            try environment.withWriteTransaction { transaction throws in
                try transaction.put(in: table, key: [1], value: [1])
                throw Stop()
            }
        }
        try environment.withReadTransaction { transaction throws in #expect(try transaction.count(of: table) == 0) }
    }

    @Test func cursorVisitsKeysInOrderFromAStartKey() throws {
        let directory = try TemporaryDirectory()
        let environment = try LMDBEnvironment(path: directory.path)
        let table = try environment.table("ordered")
        try environment.withWriteTransaction { transaction throws in
            for byte: UInt8 in [5, 1, 9, 3] { try transaction.put(in: table, key: [byte], value: [byte]) }
        }
        var seen: [UInt8] = []
        try environment.withReadTransaction { transaction throws in
            try transaction.forEach(in: table, from: [2]) { key, _ in
                seen.append(key[0])
                return true
            }
        }
        #expect(seen == [3, 5, 9])
    }

    @Test func theMapGrowsInsteadOfFailing() throws {
        let directory = try TemporaryDirectory()
        let environment = try LMDBEnvironment(path: directory.path, mapSize: 1 << 20)
        let table = try environment.table("big")
        let value = [UInt8](repeating: 7, count: 4096)
        // 8 MiB of values into a 1 MiB map, in one transaction and then in many.
        try environment.withWriteTransaction { transaction throws in
            for index in 0..<1024 { try transaction.put(in: table, key: Array("key-\(index)".utf8), value: value) }
        }
        for batch in 0..<8 {
            try environment.withWriteTransaction { transaction throws in
                for index in 0..<128 { try transaction.put(in: table, key: Array("more-\(batch)-\(index)".utf8), value: value) }
            }
        }
        #expect(environment.mapSize > 8 << 20)
        try environment.withReadTransaction { transaction throws in
            #expect(try transaction.count(of: table) == 2048)
            #expect(try transaction.value(in: table, forKey: Array("key-1023".utf8)) == value)
        }
    }

    /// With `MDB_WRITEMAP`, every block of the map must be allocated in the data file, at open and after each
    /// growth: a page written into an unallocated block of a full disk would kill the process with SIGBUS.
    @Test func aWrittenThroughMapIsAllocatedInTheFileAsItGrows() throws {
        let directory = try TemporaryDirectory()
        func allocatedBytes() throws -> Int {
            var status = stat()
            try #require(stat(directory.path + "/data.mdb", &status) == 0)
            return Int(status.st_blocks) * 512
        }
        let value = [UInt8](repeating: 9, count: 4096)
        do {
            let environment = try LMDBEnvironment(path: directory.path, mapSize: 1 << 20, writeMap: true)
            #expect(environment.writesThroughMap)
            #expect(try allocatedBytes() >= 1 << 20)
            let table = try environment.table("pages")
            for batch in 0..<6 {
                try environment.withWriteTransaction { transaction throws in
                    for index in 0..<256 { try transaction.put(in: table, key: Array("page-\(batch)-\(index)".utf8), value: value) }
                }
                #expect(try allocatedBytes() >= environment.mapSize, "after batch \(batch)")
            }
            #expect(environment.mapSize >= 8 << 20)
        }
        let reopened = try LMDBEnvironment(path: directory.path, mapSize: 1 << 20, writeMap: true)
        let table = try reopened.table("pages")
        try reopened.withReadTransaction { transaction throws in
            #expect(try transaction.count(of: table) == 6 * 256)
            #expect(try transaction.value(in: table, forKey: Array("page-5-255".utf8)) == value)
        }
        #expect(try allocatedBytes() >= reopened.mapSize)
    }

    @Test func aMissingDirectoryIsATypedError() throws {
        let missing = NSTemporaryDirectory() + "takeoff-missing-" + UUID().uuidString + "/db"
        #expect {
            _ = try LMDBEnvironment(path: missing)
        } throws: { error in
            guard let error = error as? LMDBError else { return false }
            return error.code == ENOENT && error.operation.contains(missing) && !error.message.isEmpty
        }
    }

    @Test func aReadOnlyDirectoryIsATypedError() throws {
        let directory = try TemporaryDirectory()
        let path: String
        if geteuid() == 0 {
            // Root writes through permission bits; sysfs refuses to create files even for root.
            path = "/sys/kernel"
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)
            path = directory.path
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path) }
        #expect {
            _ = try LMDBEnvironment(path: path)
        } throws: { error in
            guard let error = error as? LMDBError else { return false }
            return [EACCES, EROFS, EPERM].contains(error.code) && error.description.contains(path)
        }
    }
}
