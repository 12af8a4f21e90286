import CLMDB

/// How much of its data file a state store uses: what an operator watches to see a store grow, and what a
/// compaction would win back.
public struct StorageUsage: Sendable, Hashable, Codable {
    /// The size of the memory map, which the data file is allocated to (see ``StateStore``).
    public var mapBytes: Int
    /// LMDB's page size (the operating system's).
    public var pageSize: Int
    /// The pages up to the last one LMDB has written: the part of the file in use.
    public var pagesInUse: Int
    /// Pages within those that LMDB's free list holds for reuse.
    public var freePages: Int

    /// The bytes in use, free pages included.
    public var bytesInUse: Int { pagesInUse * pageSize }
}

extension LMDBEnvironment {
    /// The environment's usage: the map and page figures from LMDB's statistics, and the free pages counted on
    /// its free list (each free-list record begins with the number of page numbers it holds).
    /// - Throws: ``LMDBError``.
    package func usage() throws -> StorageUsage {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        let freePages = try withReadTransaction { transaction in
            var pages = 0
            // The free list is LMDB's database 0.
            try transaction.forEach(in: LMDBTable(name: "free list", handle: 0)) { _, value in
                if value.count >= MemoryLayout<Int>.size { pages += value.loadUnaligned(as: Int.self) }
                return true
            }
            return pages
        }
        return StorageUsage(
            mapBytes: info.me_mapsize, pageSize: Int(stat.ms_psize), pagesInUse: info.me_last_pgno + 1, freePages: freePages)
    }
}

extension StateStore {
    /// How much of its data file the store uses.
    /// - Throws: ``LMDBError``.
    public func storageUsage() throws -> StorageUsage { try environment.usage() }
}
