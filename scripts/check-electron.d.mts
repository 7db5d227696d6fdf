// Environment: Node (types for scripts/check-electron.mjs, used by its tests).
export interface ElectronBinary {
  version: string;
  path: string | undefined;
  installed: boolean;
}
export function electronBinary(packageDir: string, env?: NodeJS.ProcessEnv): ElectronBinary;
export function downloadProblem(output: string): string;
