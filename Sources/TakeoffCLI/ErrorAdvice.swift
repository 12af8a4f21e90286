import Takeoff

/// What to type next, for library errors whose remedy is a `takeoff` command: the library says what is wrong
/// (with the block, path or limit), the command line says what to do about it.
func advice(for error: any Error) -> String? {
    switch error {
    case PipelineError.unwoundBlocksInLog(let store, let log, _, let storeHead, _):
        "cut them with `takeoff unwind --db \(store) --archive \(log) --to \(storeHead)`, or replay them with `takeoff replay`"
    case PipelineError.notStarted: "run `takeoff run` with a genesis, or `takeoff replay` from an archive that starts at block 0"
    case StateStoreError.unsupportedFormat: "rebuild it with `takeoff replay`"
    case ReplayError.pastLogHead: "--to must name a block the archive holds"
    case ReplayError.noGenesis: "import a snapshot first (`takeoff snapshot import`)"
    case ReplayError.gap: "leave out --from, or give the store's next block"
    default: nil
    }
}

/// `message` (what `error` says), followed by the advice for `error` when there is one: how every command
/// prints a library error, whether it reaches `main` or is wrapped on the way.
func advised(_ message: String, for error: any Error) -> String {
    advice(for: error).map { "\(message); \($0)" } ?? message
}
