/** The one object the Electron preload exposes as `window.outpostBridge`. Results are `Result<T>`. */
export interface OutpostBridge {
  invoke(name: string, input: unknown): Promise<unknown>;
  on(name: string, listener: (payload: unknown) => void): () => void;
  /** Where a file the user picked lives on disk (desktop app only; '' when it has none). */
  pathForFile?(file: File): string;
}
