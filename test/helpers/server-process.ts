import { type ChildProcess, spawn } from 'node:child_process';

/** `npm start`'s entry point as a process of its own, with everything it prints. */
export interface ServerProcess {
  child: ChildProcess;
  /** Standard output and error so far. */
  output(): string;
  /**
   * Waits until `check` holds (60 s at most); fails with the output, at once
   * if the process ended.
   */
  until(what: string, check: () => boolean): Promise<void>;
}

/** Starts the server with `env` added to this process's environment; does not wait for it. */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    child,
    output: () => output,
    async until(what, check) {
      const deadline = Date.now() + 60_000;
      while (!check()) {
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(`${what} did not happen:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
