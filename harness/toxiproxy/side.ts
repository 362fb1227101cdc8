// A side: one end of a proxied connection as the links see it, whatever does its
// I/O (net.Socket, raw libuv handles, or the native forwarder's hand-back), and the
// listener that accepts sides. tcp.ts chooses the I/O; tcp-raw.ts is one of them.

/** What a side reports; set once with Side.start(). */
export interface SideHandler {
  /** Bytes read. The buffer is only valid during the call unless claim() is called. */
  chunk(buf: Buffer): void;
  /** The peer half-closed its sending direction (FIN). */
  end(): void;
  /** Every write accepted so far has been handed to the kernel, after write() returned false. */
  drain(): void;
  /** The socket failed ("ECONNRESET", "ECONNREFUSED", ...); close() follows. */
  error(code: string): void;
  /** The socket is closed; nothing follows. */
  close(): void;
}

export interface Side {
  /** Installs the handler and starts reading (unless paused). */
  start(handler: SideHandler): void;
  /** Queues bytes; false once enough is queued that the writer should wait for drain(). */
  write(buf: Buffer): boolean;
  /** True while a write accepted earlier is in flight and still refers to its buffer. */
  readonly writing: boolean;
  /** The chunk being handled is kept by someone: the next read goes into a new buffer. */
  claim(): void;
  pause(): void;
  resume(): void;
  /**
   * FIN after what was queued; the side closes itself once both directions are done,
   * or as soon as the FIN is sent with `thenClose`.
   */
  end(thenClose?: boolean): void;
  /** Abortive close: RST, queued data discarded. */
  reset(): void;
  /** Closes now. */
  destroy(): void;
  /** Raw sides: the socket's descriptor (-1 once closing), for a hand-over to the native forwarder. */
  readonly fd?: number;
  /** Raw sides: closes the handle without a word to the handler; the socket lives on in a duplicate of its descriptor. */
  detach?(): void;
}

export interface TcpListener {
  readonly address: string;
  readonly port: number;
  /** Stops accepting; open sides are not touched. */
  close(): Promise<void>;
}
