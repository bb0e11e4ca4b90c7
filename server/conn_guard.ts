/**
 * Header and idle timeouts, and a connection cap, in front of `Deno.serve` (which has no such options):
 * a small TCP front that owns the public port and relays each accepted connection to the HTTP server,
 * which listens privately on `127.0.0.1:<ephemeral>`.
 *
 * - A connection must deliver its first request head (up to `\r\n\r\n`) within `headerTimeoutMs`, else it
 *   gets `408` and is closed; a head over 16 KiB gets `431`. Half-open or trickling connections
 *   (slowloris) therefore cost at most that long.
 * - A connection with no bytes in either direction for `idleTimeoutMs` is closed (telemetry streams send a
 *   keep-alive comment every 15 s, so they stay open). Later requests on a kept-alive connection are
 *   bounded by the idle timeout only.
 * - At most `maxConnections` connections are relayed at once; beyond it a connection gets `503` and is
 *   closed at once.
 *
 * The HTTP server learns each request's real client address from {@linkcode ConnGuard.peerOf} (the relay
 * connection's local port maps to the client it carries), so per-client stream caps still hold, and the
 * state of its client side from {@linkcode ConnGuard.downstreamOf}: the bytes written to the client so
 * far and a wake-up when more are. The relay has back-pressure, not buffers: it reads from the HTTP
 * server only when its last bytes reached the client's socket, so at most one read (16 or 32 KiB) waits in it
 * per connection; telemetry streams use the count to stop sending to a client that takes nothing (see
 * `server/send_budget.ts`).
 *
 * @example
 * ```ts
 * import { ConnGuard } from "./conn_guard.ts";
 * const inner = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response("ok"));
 * const guard = ConnGuard.listen({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   upstreamPort: inner.addr.port,
 *   headerTimeoutMs: 1000,
 * });
 * const res = await fetch(`http://127.0.0.1:${guard.port}/`);
 * console.assert((await res.text()) === "ok");
 * await guard.close();
 * await inner.shutdown();
 * ```
 *
 * @module
 */

/** Options of {@linkcode ConnGuard.listen}. */
export interface ConnGuardOptions {
  /** Public address to bind. */
  hostname: string;
  /** Public port (0 picks a free one). */
  port: number;
  /** Port of the HTTP server on 127.0.0.1. */
  upstreamPort: number;
  /** Time for a connection's first request head, ms (default 10 s). */
  headerTimeoutMs?: number;
  /** Time without bytes either way before a connection is closed, ms (default 60 s). */
  idleTimeoutMs?: number;
  /** Connections relayed at once (default 4096). */
  maxConnections?: number;
}

const MAX_HEAD_BYTES = 16 * 1024;
const UP_BUFFER = 4 * 1024;
/**
 * Read buffer towards the client, per connection (held while a write to a stalled client waits): 32 KiB
 * while at most {@linkcode MANY_CONNECTIONS} are open, 16 KiB for the connections beyond (2,000 stalled
 * clients then hold 40 MiB instead of 64).
 */
const DOWN_BUFFER = 32 * 1024;
const DOWN_BUFFER_MANY = 16 * 1024;
const MANY_CONNECTIONS = 512;
const EMPTY = new Uint8Array(0);

function indexOfHeadEnd(buf: Uint8Array, length: number): number {
  for (let i = 3; i < length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

function reply(status: number, text: string): Uint8Array {
  return new TextEncoder().encode(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n` +
      `Content-Length: ${JSON.stringify({ error: text }).length}\r\n\r\n${
        JSON.stringify({ error: text })
      }`,
  );
}

/** The client side of one relayed connection, as the HTTP server behind the relay sees it. */
export interface Downstream {
  /** Bytes written to the client's socket so far (response heads and framing included). */
  readonly bytesWritten: number;
  /** True once the connection is closed. */
  readonly closed: boolean;
  /** Resolves at the next write to the client, or when the connection closes. */
  progress(): Promise<void>;
  /** Closes the connection (both sides). */
  close(): void;
}

class RelayDownstream implements Downstream {
  bytesWritten = 0;
  closed = false;
  #wake: (() => void) | undefined;
  #next: Promise<void> | undefined;
  constructor(readonly close: () => void) {}
  progress(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.#next ??= new Promise((resolve) => (this.#wake = resolve));
  }
  wrote(n: number): void {
    this.bytesWritten += n;
    this.#notify();
  }
  ended(): void {
    this.closed = true;
    this.#notify();
  }
  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    this.#next = undefined;
    wake?.();
  }
}

/** The TCP front (see module docs). */
export class ConnGuard {
  /** The bound public port. */
  readonly port: number;
  /** The bound public address. */
  readonly hostname: string;
  readonly #listener: Deno.TcpListener;
  readonly #options: Required<Omit<ConnGuardOptions, "hostname" | "port">>;
  readonly #peers = new Map<number, Deno.NetAddr>();
  readonly #downstreams = new Map<number, RelayDownstream>();
  readonly #conns = new Set<Deno.Conn>();
  #accepting: Promise<void>;
  #closed = false;
  /** Connections refused or closed by a timeout, by reason (for tests and logs). */
  readonly dropped = { headerTimeout: 0, idleTimeout: 0, overCap: 0, headTooLarge: 0 };

  private constructor(listener: Deno.TcpListener, options: ConnGuardOptions) {
    this.#listener = listener;
    const addr = listener.addr as Deno.NetAddr;
    this.port = addr.port;
    this.hostname = addr.hostname;
    this.#options = {
      upstreamPort: options.upstreamPort,
      headerTimeoutMs: options.headerTimeoutMs ?? 10_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
      maxConnections: options.maxConnections ?? 4096,
    };
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Binds the public port and starts relaying.
   *
   * @example
   * ```ts
   * import { ConnGuard } from "./conn_guard.ts";
   * const guard = ConnGuard.listen({ hostname: "127.0.0.1", port: 0, upstreamPort: 1 });
   * console.assert(guard.port > 0);
   * await guard.close();
   * ```
   */
  static listen(options: ConnGuardOptions): ConnGuard {
    const listener = Deno.listen({ hostname: options.hostname, port: options.port });
    return new ConnGuard(listener, options);
  }

  /** Connections relayed now. */
  get connections(): number {
    return this.#conns.size;
  }

  /** The client a relay connection (by its local port, as the HTTP server sees it) carries. */
  peerOf(relayPort: number): Deno.NetAddr | undefined {
    return this.#peers.get(relayPort);
  }

  /** The client side of a relay connection (by its local port), while it is open. */
  downstreamOf(relayPort: number): Downstream | undefined {
    return this.#downstreams.get(relayPort);
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        if (this.#closed) return;
        continue; // e.g. EMFILE: keep serving the connections we have
      }
      if (this.#conns.size >= this.#options.maxConnections) {
        this.dropped.overCap++;
        void conn.write(reply(503, "too many connections")).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* gone */ }
        });
        continue;
      }
      this.#conns.add(conn);
      void this.#relay(conn).finally(() => this.#conns.delete(conn));
    }
  }

  async #relay(client: Deno.Conn): Promise<void> {
    const opts = this.#options;
    let upstream: Deno.TcpConn | undefined;
    let relayPort = -1;
    let lastActive = performance.now();
    let idleTimer: ReturnType<typeof setInterval> | undefined;
    let downstream: RelayDownstream | undefined;
    const closeAll = () => {
      clearInterval(idleTimer);
      for (const c of [client, upstream]) {
        try {
          c?.close();
        } catch { /* already closed */ }
      }
      if (relayPort >= 0) {
        this.#peers.delete(relayPort);
        this.#downstreams.delete(relayPort);
      }
      downstream?.ended();
    };
    try {
      // 1. The first request head, within the header timeout.
      let head = new Uint8Array(MAX_HEAD_BYTES);
      let length = 0;
      let end = -1;
      const deadline = setTimeout(() => {
        this.dropped.headerTimeout++;
        void client.write(reply(408, "request head not received in time")).catch(() => {})
          .finally(closeAll);
      }, opts.headerTimeoutMs);
      try {
        while (end < 0) {
          if (length === head.length) {
            this.dropped.headTooLarge++;
            await client.write(reply(431, "request head too large")).catch(() => {});
            return closeAll();
          }
          const n = await client.read(head.subarray(length));
          if (n === null) return closeAll();
          length += n;
          end = indexOfHeadEnd(head, length);
        }
      } catch {
        return closeAll();
      } finally {
        clearTimeout(deadline);
      }
      // 2. Relay to the HTTP server, remembering whose connection it is.
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: opts.upstreamPort });
      relayPort = (upstream.localAddr as Deno.NetAddr).port;
      this.#peers.set(relayPort, client.remoteAddr as Deno.NetAddr);
      downstream = new RelayDownstream(closeAll);
      this.#downstreams.set(relayPort, downstream);
      await upstream.write(head.subarray(0, length));
      // The 16 KiB head buffer would otherwise live as long as the connection (in this suspended frame).
      head = EMPTY;
      idleTimer = setInterval(() => {
        if (performance.now() - lastActive >= opts.idleTimeoutMs) {
          this.dropped.idleTimeout++;
          closeAll();
        }
      }, Math.max(10, Math.min(opts.idleTimeoutMs / 4, 5_000)));
      // Back-pressure: the next read from one side waits until the last one's bytes were all written to
      // the other, so a client that stops reading stops the HTTP server's writes for it (no relay buffer).
      const pump = async (
        from: Deno.Conn,
        to: Deno.Conn,
        size: number,
        wrote?: (n: number) => void,
      ) => {
        const buf = new Uint8Array(size);
        try {
          for (;;) {
            const n = await from.read(buf);
            if (n === null) break;
            lastActive = performance.now();
            let at = 0;
            while (at < n) {
              const w = await to.write(buf.subarray(at, n));
              at += w;
              wrote?.(w);
            }
            lastActive = performance.now();
          }
        } catch { /* either side went away */ }
      };
      const up = upstream;
      const down = downstream;
      await Promise.race([
        pump(client, up, UP_BUFFER),
        pump(
          up,
          client,
          this.#conns.size > MANY_CONNECTIONS ? DOWN_BUFFER_MANY : DOWN_BUFFER,
          (n) => down.wrote(n),
        ),
      ]);
    } catch { /* upstream refused: drop the client */ }
    closeAll();
  }

  /**
   * Stops accepting, lets relays whose HTTP side has closed finish forwarding for up to `graceMs`, then
   * closes every relayed connection.
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    const until = performance.now() + graceMs;
    while (this.#conns.size > 0 && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* gone */ }
    }
    await this.#accepting;
  }
}
