// Environment: Node (main process core). A port: the core owns this interface; main/host implements it with
// the OS's own tools, and the desktop app may implement it with Electron's shell and clipboard.

/** What web sign-in needs from the desktop: a browser at an address, and the code on the clipboard. */
export interface Desktop {
  /** Opens the default browser at `address` (already checked by the core); rejects with advice on failure. */
  openBrowser(address: string): Promise<void>;
  /** Puts `text` on the clipboard; best effort: false when no clipboard tool took it. */
  copyToClipboard(text: string): Promise<boolean>;
}
