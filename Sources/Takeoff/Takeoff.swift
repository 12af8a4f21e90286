// The whole engine in one import, for tools and chains that use every part: the core (model, state,
// executors, commitment), the LMDB state store, the archive and replay, and the built-in chain. A chain with
// storage of its own imports `TakeoffCore` alone.
@_exported import TakeoffArchive
@_exported import TakeoffBuiltinChain
@_exported import TakeoffCore
@_exported import TakeoffStore
