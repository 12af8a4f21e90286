import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import Synchronization

/// `--metrics-address HOST:PORT`: serves the library's swift-metrics in Prometheus text format at
/// `http://HOST:PORT/metrics` while a command runs (swift-prometheus behind a Hummingbird server). Port 0 picks
/// a free port; the address served is printed on standard error.
struct MetricsOptions: ParsableArguments {
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics while the command runs (port 0: any free port).")
    var metricsAddress: String?

    func validate() throws {
        if let metricsAddress { _ = try MetricsServer.parse(metricsAddress) }
    }

    /// Starts the server when an address was given; the metrics stay unrecorded otherwise.
    func start() throws -> MetricsServer? {
        guard let metricsAddress else { return nil }
        return try MetricsServer.start(at: metricsAddress)
    }
}

/// The running metrics endpoint. It serves until the process ends.
final class MetricsServer: Sendable {
    /// The port it listens on (the one picked when asked for port 0).
    let port: Int
    let host: String
    private let task: Task<Void, Never>

    private init(host: String, port: Int, task: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.task = task
    }

    /// The host and port of `HOST:PORT` (`[::1]:9100` for an IPv6 host).
    static func parse(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("--metrics-address must be HOST:PORT with a port within 0...65535, got '\(address)'")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--metrics-address needs a host, e.g. 127.0.0.1:9100, got '\(address)'") }
        return (host, port)
    }

    /// Bootstraps swift-metrics with a Prometheus registry and starts serving it; returns once the server
    /// listens. Call at most once per process.
    /// - Throws: ``CommandError`` when the address cannot be bound.
    static func start(at address: String) throws -> MetricsServer {
        let (host, port) = try parse(address)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let started = StartSignal()
        let application = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "takeoff"),
            onServerRunning: { channel in started.finish(.success(channel.localAddress?.port ?? port)) },
            logger: Logger(label: "takeoff.metrics"))
        let task = Task.detached {
            do {
                try await application.run()
                started.finish(.failure(CommandError(description: "the metrics server at \(address) stopped")))
            } catch {
                started.finish(.failure(error))
            }
        }
        switch started.wait(seconds: 30) {
        case .success(let boundPort):
            printDiagnostic("metrics at http://\(host.contains(":") ? "[\(host)]" : host):\(boundPort)/metrics")
            return MetricsServer(host: host, port: boundPort, task: task)
        case .failure(let error):
            task.cancel()
            throw CommandError(description: "cannot serve metrics at \(address): \(error)")
        case nil:
            task.cancel()
            throw CommandError(description: "cannot serve metrics at \(address): the server did not start within 30 seconds")
        }
    }
}

/// The server's start, or its failure, handed from its task to the command's thread.
private final class StartSignal: Sendable {
    private let outcome = Mutex<Result<Int, any Error>?>(nil)
    private let semaphore = DispatchSemaphore(value: 0)

    func finish(_ result: Result<Int, any Error>) {
        let first = outcome.withLock { current in
            guard current == nil else { return false }
            current = result
            return true
        }
        if first { semaphore.signal() }
    }

    func wait(seconds: Double) -> Result<Int, any Error>? {
        guard semaphore.wait(timeout: .now() + seconds) == .success else { return nil }
        return outcome.withLock { $0 }
    }
}
