// Environment: Node (main process core). A port: the core owns this interface; main/host implements it (a Unix
// socket or a named pipe private to the user).

/** Answers one request from `btoe`; the request is untrusted and the answer goes back as is. */
export type RequestHandler = (request: unknown) => Promise<unknown>;

export interface LocalServer {
  close(): Promise<void>;
}

/** Starts serving the per-user endpoint; rejects when another companion already serves it. */
export type ListenLocal = (handler: RequestHandler) => Promise<LocalServer>;
