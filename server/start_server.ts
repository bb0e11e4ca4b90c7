/**
 * `startServer(options)`: serves {@linkcode createApp} with `Deno.serve`, for `deno task serve` and for
 * other entry points (e.g. `deno task simulate --serve`). Binds 127.0.0.1:8787 by default and refuses a
 * non-loopback address without a bearer token. Connections pass a {@linkcode ConnGuard} (header timeout,
 * idle timeout, connection cap) that relays them to `Deno.serve` on a private loopback port, since
 * `Deno.serve` has no such options; `connectionGuard: false` serves directly. `shutdown()` (also run on SIGINT/SIGTERM when
 * `handleSignals` is set) stops every run, flushes every log and closes the server gracefully.
 *
 * @example
 * ```ts
 * import { startServer } from "./start_server.ts";
 * const server = await startServer({ port: 0, deps: { runsDir: await Deno.makeTempDir() } });
 * const health = await (await fetch(`${server.url}/healthz`)).json();
 * console.assert(health.status === "ok");
 * await server.shutdown();
 * ```
 *
 * @module
 */

import { createApp, type FleetApp } from "./app.ts";
import { isLoopbackHost } from "./auth.ts";
import { ConnGuard } from "./conn_guard.ts";
import type { ServerDeps } from "./deps.ts";
import { NativeHeapTrimmer } from "./native_heap.ts";

/** Options of {@linkcode startServer}. */
export interface StartServerOptions {
  /** TCP port (default 8787; 0 picks a free one). */
  port?: number;
  /** Address to bind (default `127.0.0.1`). */
  host?: string;
  /** Bearer token for control endpoints; required when `host` is not loopback. */
  token?: string;
  /** Dependencies of the app (scenarios, policies, runs folder, ...). */
  deps?: Partial<ServerDeps>;
  /** Shut down on SIGINT/SIGTERM (default false; the CLI sets it). */
  handleSignals?: boolean;
  /** Longest wait for open connections to finish on shutdown, ms (default 5000). */
  shutdownGraceMs?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Put the {@linkcode ConnGuard} in front (default true). */
  connectionGuard?: boolean;
  /** Time for a connection's first request head, ms (default 10 s). */
  headerTimeoutMs?: number;
  /** Time without bytes either way before a connection is closed, ms (default 60 s). */
  idleTimeoutMs?: number;
  /** Connections at once (default 4096). */
  maxConnections?: number;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The bound port. */
  port: number;
  /** The app (its run manager, metrics). */
  app: FleetApp;
  /** The connection guard, unless disabled. */
  guard?: ConnGuard;
  /** Stops runs, flushes logs, closes the server; safe to call more than once. */
  shutdown(): Promise<void>;
  /** Resolves once the server has shut down. */
  finished: Promise<void>;
}

/**
 * Starts the server (see module docs).
 *
 * @example
 * ```ts
 * import { startServer } from "./start_server.ts";
 * try {
 *   await startServer({ host: "0.0.0.0", port: 0 });
 * } catch (e) {
 *   console.assert((e as Error).message.includes("without a bearer token"));
 * }
 * ```
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8787;
  const token = options.token ?? options.deps?.token;
  const log = options.log ?? ((line: string) => console.error(line));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot serve: port must be an integer in [0, 65535], got ${port}`);
  }
  if (!isLoopbackHost(host) && token === undefined) {
    throw new RangeError(
      `Cannot serve on "${host}" without a bearer token: control endpoints would be open to the network; ` +
        "pass --token (or set FLEETKD_TOKEN), or bind 127.0.0.1",
    );
  }
  const wildcard = host === "0.0.0.0" || host === "::" || host === "[::]";
  const allowedHosts = [...(options.deps?.allowedHosts ?? [])];
  // A server bound to one named address may be reached under it.
  if (!wildcard && !isLoopbackHost(host)) allowedHosts.push(host.toLowerCase());
  const app = createApp({ ...options.deps, token, allowedHosts });
  await app.ready;
  const { promise: listening, resolve: onListen } = Promise.withResolvers<Deno.NetAddr>();
  const useGuard = options.connectionGuard ?? true;
  let guard: ConnGuard | undefined;
  const server = Deno.serve(
    {
      hostname: useGuard ? "127.0.0.1" : host,
      port: useGuard ? 0 : port,
      onListen: (addr) => onListen(addr as Deno.NetAddr),
    },
    (request, info) =>
      app.fetch(request, {
        remoteAddr: guard?.peerOf((info.remoteAddr as Deno.NetAddr).port) ?? info.remoteAddr,
        downstream: guard?.downstreamOf((info.remoteAddr as Deno.NetAddr).port),
      }),
  );
  let addr = await listening;
  if (useGuard) {
    try {
      guard = ConnGuard.listen({
        hostname: host,
        port,
        upstreamPort: addr.port,
        headerTimeoutMs: options.headerTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        maxConnections: options.maxConnections,
      });
    } catch (e) {
      await server.shutdown();
      await app.close();
      throw e;
    }
    addr = { transport: "tcp", hostname: guard.hostname, port: guard.port };
  }
  // Native memory freed by many closed connections goes back to the system (see server/native_heap.ts).
  const trimmer = new NativeHeapTrimmer(() => guard?.connections ?? app.metrics.streamsOpen);
  trimmer.start();
  const shownHost = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `http://${shownHost}:${addr.port}`;
  log(
    `fleetkd serve: listening on ${url} (dashboard at ${url}/)${token ? ", token required" : ""}`,
  );

  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const { promise: finished, resolve: onFinished } = Promise.withResolvers<void>();
  let shutting: Promise<void> | undefined;
  const onSignal = () => {
    if (shutting) {
      log("fleetkd serve: second signal, exiting now");
      Deno.exit(130);
    }
    log("fleetkd serve: shutting down (stopping runs, flushing logs)");
    void shutdown();
  };
  const shutdown = (): Promise<void> => {
    shutting ??= (async () => {
      trimmer.stop();
      try {
        await app.close();
      } finally {
        if (options.handleSignals) {
          for (const s of signals) Deno.removeSignalListener(s, onSignal);
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), options.shutdownGraceMs ?? 5000);
        });
        const outcome = await Promise.race([
          server.shutdown().then(() => "closed" as const),
          grace,
        ]);
        clearTimeout(timer);
        await guard?.close();
        if (outcome === "timeout") {
          log("fleetkd serve: some connections did not close in time; logs are flushed");
        }
        onFinished();
      }
    })();
    return shutting;
  };
  if (options.handleSignals) {
    for (const s of signals) Deno.addSignalListener(s, onSignal);
  }
  return { url, port: addr.port, app, guard, shutdown, finished };
}
