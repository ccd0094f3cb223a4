/**
 * CLI: serve the built demo. `tsx build/serve.ts [--port N]` (or the `PORT` env; default 8080)
 * serves `dist/` at `/` and `data/` at `/data/`, both relative to `process.cwd()`, on
 * 127.0.0.1 until Ctrl-C (SIGINT or SIGTERM close it cleanly).
 *
 * `npm start` builds and generates the dataset first; `npm run serve` only serves.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStaticServer, type StaticServer } from './server.ts';

/** The port used when neither `--port` nor `PORT` is given. */
export const DEFAULT_PORT = 8080;

/**
 * Reads the port from `--port N` / `--port=N`, then the `PORT` env, then {@link DEFAULT_PORT}.
 * @param argv command-line arguments after the script name.
 * @param env environment to read `PORT` from.
 * @throws Error naming the value when it is not an integer in 0..65535.
 */
export function parsePort(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--port' || arg === '-p') raw = argv[++i];
    else if (arg.startsWith('--port=')) raw = arg.slice('--port='.length);
  }
  raw ??= env.PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port ${JSON.stringify(raw)}: expected an integer from 0 to 65535`);
  }
  return port;
}

/**
 * Serves `dist/` at `/` and `data/` at `/data/` (relative to `process.cwd()`) on 127.0.0.1 and
 * prints the demo URL. Warns (without failing) when `dist/index.html` or `data/` is missing.
 *
 * @param port port to listen on; `0` picks a free one. @default 8080
 * @returns the running server; call `close()` to stop it.
 * @throws the listen error, e.g. `EADDRINUSE` when the port is taken.
 */
export async function serve(port: number = DEFAULT_PORT): Promise<StaticServer> {
  const dist = path.resolve('dist');
  const data = path.resolve('data');
  if (!existsSync(path.join(dist, 'index.html'))) {
    console.warn(`warning: ${path.join(dist, 'index.html')} is missing; run \`npm run build\` first`);
  }
  if (!existsSync(path.join(data, 'image_metadata.csv'))) {
    console.warn(`warning: ${path.join(data, 'image_metadata.csv')} is missing; run \`npm run data\` first`);
  }
  const server = await startStaticServer({
    mounts: [
      { prefix: '/', dir: dist },
      { prefix: '/data/', dir: data },
    ],
    port,
  });
  console.log(`sw-image-cache demo: ${server.url}/`);
  return server;
}

async function main(): Promise<void> {
  let port: number;
  try {
    port = parsePort(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  let server: StaticServer;
  try {
    server = await serve(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(
      code === 'EADDRINUSE'
        ? `port ${port} is already in use; try --port N or PORT=N`
        : `could not start the server: ${(error as Error).message}`,
    );
    process.exit(1);
  }
  let closing = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(130); // a second Ctrl-C: give up waiting
    closing = true;
    console.log(`\n${signal}: closing the server`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(path.resolve(invokedPath)).href) {
  void main();
}
