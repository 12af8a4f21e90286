// The whole engine in one import, for tools and chains that use every part: the core (model, state,
// executors, commitment, the store and log protocols), the node floor (pipeline, recovery, replay, unwind), the
// LMDB state store, the zstd archive, and the built-in chain. A chain with storage of its own imports
// `TakeoffCore` and `TakeoffNode`.
@_exported import TakeoffArchive
@_exported import TakeoffBuiltinChain
@_exported import TakeoffCore
@_exported import TakeoffNode
@_exported import TakeoffStore
