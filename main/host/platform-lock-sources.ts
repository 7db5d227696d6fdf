// Environment: Node (main process, OS adapters).
import { existsSync } from 'node:fs';
import type { SessionLockSource } from '../core/ports/session-lock.js';

/**
 * The session lock sources a headless companion can use here. On Linux: systemd-logind (system bus) and the
 * ScreenSaver services (session bus), each only where its bus exists. On Windows and macOS the lock comes from
 * Electron's powerMonitor, which only the desktop app hosts.
 */
export async function platformLockSources(
  env: NodeJS.ProcessEnv = process.env,
): Promise<SessionLockSource[]> {
  if (process.platform !== 'linux') return [];
  const sources: SessionLockSource[] = [];
  if (env.DBUS_SYSTEM_BUS_ADDRESS || existsSync('/var/run/dbus/system_bus_socket')) {
    const { LogindLockSource } = await import('./logind-lock-source.js');
    sources.push(new LogindLockSource({ env }));
  }
  if (env.DBUS_SESSION_BUS_ADDRESS || (env.XDG_RUNTIME_DIR && existsSync(`${env.XDG_RUNTIME_DIR}/bus`))) {
    const { ScreenSaverLockSource } = await import('./screensaver-lock-source.js');
    sources.push(new ScreenSaverLockSource({ env }));
  }
  return sources;
}
