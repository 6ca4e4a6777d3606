/** The one object the Electron preload exposes as `window.outpostBridge`. Results are `Result<T>`. */
export interface OutpostBridge {
  invoke(name: string, input: unknown): Promise<unknown>;
  on(name: string, listener: (payload: unknown) => void): () => void;
}
