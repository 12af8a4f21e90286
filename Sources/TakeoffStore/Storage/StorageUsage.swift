import CLMDB
import TakeoffCore

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

extension LMDBStateStore {
    /// How much of its data file the store uses: the map and page figures from LMDB, and its free pages.
    /// - Throws: ``LMDBError``.
    public func storageUsage() throws -> StorageUsage? { try environment.usage() }
}
