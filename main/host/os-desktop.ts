// Environment: Node (main process, OS adapters). The Desktop port with the OS's own tools, never through a
// shell: the address and the code are single arguments or stdin, never parsed as commands.
import { execFile } from 'node:child_process';
import { CompanionError } from '../core/companion.js';
import type { Desktop } from '../core/ports/desktop.js';

export const osDesktop: Desktop = { openBrowser, copyToClipboard };

/** Opens the default browser without a shell: the address is one argument, never parsed as a command. */
function openBrowser(address: string): Promise<void> {
  const [command, args] =
    process.platform === 'win32'
      ? ['rundll32', ['url.dll,FileProtocolHandler', address]]
      : process.platform === 'darwin'
        ? ['open', [address]]
        : ['xdg-open', [address]];
  return new Promise((resolve, reject) => {
    execFile(command, args, { windowsHide: true }, (error) =>
      error
        ? reject(
            new CompanionError(
              'refused',
              `could not open a browser (${error.message}): open ${address} yourself`,
            ),
          )
        : resolve(),
    );
  });
}

/** Puts the code on the clipboard (best effort, no shell): true when a clipboard tool took it. */
function copyToClipboard(text: string): Promise<boolean> {
  const tools: Array<[string, string[]]> =
    process.platform === 'win32'
      ? [['clip', []]]
      : process.platform === 'darwin'
        ? [['pbcopy', []]]
        : [
            ['wl-copy', []],
            ['xclip', ['-selection', 'clipboard']],
          ];
  const attempt = async (index: number): Promise<boolean> => {
    const tool = tools[index];
    if (!tool) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const child = execFile(tool[0], tool[1], { windowsHide: true, timeout: 3_000 }, (error) =>
        resolve(!error),
      );
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(text);
    });
    return ok || attempt(index + 1);
  };
  return attempt(0);
}
