/**
 * The `parley` command line.
 *   parley serve                      start a node (default command)
 *   parley migrate                    create or upgrade the database, then exit
 *   parley rooms create --name NAME [--id ID] [--kind persistent|relay] [--max-members N] [--join-rule code|open] [--messages-per-minute N]
 *   parley rooms list | parley rooms close ID | parley rooms rotate-code ID
 *   parley accounts create --username NAME [--name DISPLAY] [--admin]   (password: first line of stdin)
 *   parley accounts promote NAME | parley accounts demote NAME
 *   parley --help | -h | help         the usage (also after any command)
 * Run as `npx parley …` in the repository's folder (bin/parley.js). Configuration comes from the
 * environment (docs/configuration.md).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from './config.ts';
import { createServer } from './server.ts';
import { describeStore, enginesFromConfig, sharedBrokerFromConfig, storeFromConfig } from './engines/from-config.ts';
import { announceSessionEnded } from './core/session-ends.ts';
import { WeakSecretError } from './auth/secrets.ts';
import { issueJoinCode } from './auth/join-code.ts';
import { Accounts } from './auth/accounts.ts';
import { Passwords } from './auth/passwords.ts';
import { Rooms } from './core/rooms.ts';
import { Timelines } from './core/timeline/timelines.ts';
import { RoomPolicy, type RoomInfo } from './protocol/index.ts';
import { chooseLogFormat, createLogger } from './observability/logger.ts';

const USAGE = `usage (in the repository's folder, after \`npm ci\`: npx parley COMMAND …):
  parley serve
  parley migrate
  parley rooms create --name NAME [--id ID] [--kind persistent|relay] [--max-members N] [--join-rule code|open] [--messages-per-minute N]
  parley rooms list
  parley rooms close ID
  parley rooms rotate-code ID
  parley accounts create --username NAME [--name DISPLAY] [--admin]   (reads the password from stdin)
  parley accounts promote NAME
  parley accounts demote NAME
  parley --help
Settings come from the environment, as for the server (DATA_DIR, DATABASE_URL, REDIS_URL, PARLEY_*): docs/configuration.md`;

/** Whether `argv` asks for the usage (`--help`, `-h` or `help` first, or `--help`/`-h` anywhere), which needs no configuration. */
function asksForHelp(argv: readonly string[]): boolean {
  return argv[0] === 'help' || argv.some((arg) => arg === '--help' || arg === '-h');
}

/**
 * `parseArgs` that turns a mistyped option (unknown, missing its value) into a {@link UsageError},
 * which prints one line and the usage instead of a stack trace.
 */
function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    // Node's message goes on with advice about `--` for positionals; its first sentence names the problem.
    if (err instanceof TypeError && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw new UsageError(err.message.split('. ')[0] ?? err.message);
    throw err;
  }
}

async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, { format: chooseLogFormat(config.logFormat, config.env) });
  const server = await createServer(config, { logger });
  const url = await server.listen();
  const address = url.replace('127.0.0.1', 'localhost');
  logger.info({ url, dataDir: config.dataDir }, `Parley is listening on ${address}`);
  if (config.env === 'development') logger.info(nextSteps(config, address));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Last line of defence (DESIGN.md rule 10): a stray rejection is logged, never fatal to every room.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function rooms(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      id: { type: 'string' },
      kind: { type: 'string' },
      'max-members': { type: 'string' },
      'join-rule': { type: 'string' },
      'messages-per-minute': { type: 'string' },
    },
  });
  const [action, roomId] = positionals;
  if ((action === 'close' || action === 'rotate-code') && roomId === undefined) throw new UsageError(`rooms ${action} needs the room id`);
  // The configured engines: with Redis, closing a room reaches every running node at once.
  const engines = await enginesFromConfig(config);
  const timelines = new Timelines({ store: engines.store, relayLog: engines.relayLog, broker: engines.broker, editWindowMs: config.editWindowMs, now: Date.now, onError: (err) => console.error(err) });
  const rooms = new Rooms({ store: engines.store, relayLog: engines.relayLog, timelines, now: Date.now });
  try {
    const show = (room: RoomInfo) => `${room.id}\t${room.kind}\t${room.closedAt === null ? 'open' : 'closed'}\t${room.name}`;
    if (action === 'create') {
      if (values.name === undefined) throw new UsageError('rooms create needs --name');
      const policy = RoomPolicy.parse({
        kind: values.kind,
        maxMembers: values['max-members'] === undefined ? undefined : Number(values['max-members']),
        joinRule: values['join-rule'],
        messagesPerMinute: values['messages-per-minute'] === undefined ? undefined : Number(values['messages-per-minute']),
      });
      const code = policy.joinRule === 'code' ? issueJoinCode() : undefined;
      const room = await rooms.create({ name: values.name, id: values.id, ...policy, joinCodeHash: code?.hash ?? null });
      console.log(`room id:   ${room.id}`);
      console.log(`join code: ${code?.code ?? '(none: open room)'}`);
      console.log(`join link: ${joinLink(config, room.id, code?.code)}`);
      console.log(`kind:      ${room.kind}, max members ${room.maxMembers}${room.messagesPerMinute === null ? '' : `, ${room.messagesPerMinute} messages per member per minute`}`);
    } else if (action === 'list') {
      for (const room of await rooms.list({ limit: 500, offset: 0 })) console.log(show(await rooms.info(room)));
    } else if (action === 'close' && roomId !== undefined) {
      console.log(show(await rooms.info(await rooms.close(await rooms.fresh(roomId), { userId: 'admin', name: 'Admin' }))));
    } else if (action === 'rotate-code' && roomId !== undefined) {
      const code = issueJoinCode();
      await rooms.setJoinCodeHash(roomId, code.hash);
      console.log(`join code: ${code.code}`);
      console.log(`join link: ${joinLink(config, roomId, code.code)}`);
    } else {
      throw new UsageError(`unknown rooms command: ${positionals.join(' ') || '(none)'}`);
    }
  } finally {
    await engines.close();
  }
}

/**
 * The password for `accounts create`: the first line of stdin, never an argument (arguments show in
 * `ps` and shell history). On a terminal it is typed without echo.
 */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write('Password (not shown): ');
    const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
    const prompt = createInterface({ input: process.stdin, output: silent, terminal: true });
    try {
      return await prompt.question('');
    } finally {
      prompt.close();
      process.stderr.write('\n');
    }
  }
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/, 1)[0] ?? '';
}

async function accounts(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs({
    args,
    allowPositionals: true,
    options: { username: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean', default: false } },
  });
  const [action, username] = positionals;
  if (action === 'create' && values.username === undefined) throw new UsageError('accounts create needs --username');
  if ((action === 'promote' || action === 'demote') && username === undefined) throw new UsageError(`accounts ${action} needs the account's username`);
  if (action !== 'create' && action !== 'promote' && action !== 'demote') throw new UsageError(`unknown accounts command: ${positionals.join(' ') || '(none)'}`);
  const password = action === 'create' ? await readPassword() : '';
  const store = await storeFromConfig(config);
  try {
    const all = new Accounts(store.accounts, new Passwords());
    if (action === 'create') {
      const account = await all.register({ username: values.username ?? '', password, name: values.name }, values.admin ? 'admin' : 'user');
      console.log(`account id: ${account.id}`);
      console.log(`username:   ${account.username}`);
      console.log(`name:       ${account.name}`);
      console.log(`role:       ${account.role}`);
    } else {
      const account = await all.setRole(username ?? '', action === 'promote' ? 'admin' : 'user');
      console.log(`${account.username}\t${account.role}\t${account.name}`);
      if (action === 'demote') await announceDemotion(config, account.id);
      console.error('Signed-in sessions of this account get the new role at their next refresh (within PARLEY_ACCESS_TOKEN_TTL_MS).');
    }
  } finally {
    await store.close();
  }
}

/**
 * Tell running nodes that an account lost its admin role, so they close its sockets still holding
 * the old role at once (with Redis; without it, or when Redis is down, nodes find out by their
 * periodic re-check, PARLEY_SESSION_CHECK_INTERVAL_MS).
 */
async function announceDemotion(config: Config, accountId: string): Promise<void> {
  try {
    const shared = await sharedBrokerFromConfig(config);
    if (shared === undefined) return;
    try {
      await announceSessionEnded(shared.broker, { type: 'session_ended', scope: 'account', accountId, role: 'user' });
    } finally {
      await shared.close();
    }
  } catch {
    console.error('Could not reach Redis: running nodes close this account\'s admin sockets at their next session check (PARLEY_SESSION_CHECK_INTERVAL_MS).');
  }
}

/**
 * The web UI's link that opens the join page of `roomId` (with its join code filled in), on this
 * machine's server as `HOST` and `PORT` configure it; a wildcard or loopback host reads `localhost`.
 */
function joinLink(config: Config, roomId: string, code: string | undefined): string {
  const { host, port } = config.http;
  const name = ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const query = new URLSearchParams({ room: roomId, ...(code === undefined ? {} : { code }) });
  return `http://${name}:${port}/?${query}`;
}

/**
 * What a developer who just started Parley does next (issue 12): open the page, create a room from
 * the command line, and where the admin token is when Parley generated it (auth/secrets.ts).
 */
function nextSteps(config: Config, address: string): string {
  const steps = [`Next: open ${address} and join a room`, 'create one with `npx parley rooms create --name "Team chat"` (it prints the join link)'];
  if (config.adminToken === undefined) steps.push(`the admin API token (PARLEY_ADMIN_TOKEN, for /api/v1/admin) is in ${join(config.dataDir, 'secrets.json')}`);
  return steps.join('; ');
}

class UsageError extends Error {}

/** Whether `err` is the listen error of a port another program holds (EADDRINUSE). */
function isAddressInUse(err: unknown): err is Error & { address: string; port: number } {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

async function main(argv: string[]): Promise<void> {
  if (asksForHelp(argv)) return void console.log(USAGE);
  const [command = 'serve', ...rest] = argv;
  const config = loadConfig();
  if (command === 'serve') return serve(config);
  if (command === 'migrate') {
    const store = await storeFromConfig(config);
    await store.close();
    return void console.log(`${describeStore(config)} is up to date`);
  }
  if (command === 'rooms') return rooms(config, rest);
  if (command === 'accounts') return accounts(config, rest);
  throw new UsageError(`unknown command: ${command}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) console.error(`${err.message}\n${USAGE}`);
  else if (err instanceof ConfigError || err instanceof WeakSecretError) console.error(`parley: ${err.message}`);
  else if (err instanceof Error && err.name === 'ParleyError') console.error(`parley: ${err.message}`);
  else if (err instanceof Error && err.name === 'ZodError') console.error(`parley: invalid option: ${err.message}`);
  else if (isAddressInUse(err)) console.error(`parley: ${err.address}:${err.port} is already in use by another program: stop it, or start Parley on a free port (PORT=3001 npm start)`);
  else console.error(err);
  process.exit(1);
});
