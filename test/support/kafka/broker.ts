import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars, findJava, Java, kafkaMajor, kafkaVersion } from './jars';

export { DEFAULT_KAFKA_VERSION, ensureKafkaJars } from './jars';

const HOST = '127.0.0.1';

export interface StartKafkaOptions {
  /** Kafka version (Maven `org.apache.kafka:kafka_2.13`); default KAFKA_VERSION or 3.9.2. */
  version?: string;
  /** Client listener port; default a free one. */
  port?: number;
  /** KRaft controller listener port; default a free one. */
  controllerPort?: number;
  /** Maximum heap; default '512m'. */
  heap?: string;
  /** How long to wait for the broker to answer describeCluster; default 120 s. */
  startupTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 20 s. */
  stopTimeoutMs?: number;
  /** Extra server.properties entries, overriding the defaults. */
  config?: Record<string, string | number | boolean>;
  /** Keep the node process alive while the broker runs (for `npm run kafka:dev`); default false. */
  keepProcessAlive?: boolean;
  /**
   * Start the JVM from a class-data archive kept beside the jars (AppCDS), written by the first
   * broker that stops cleanly: about a second less per start. Default true; KAFKA_TEST_CDS=0 turns it off.
   */
  classDataSharing?: boolean;
  /** Called when the broker exits without stop() or kill() having been asked for. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface KafkaBroker {
  /** Bootstrap address for clients: `127.0.0.1:PORT`. */
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly version: string;
  readonly clusterId: string;
  /** Temp folder holding server.properties, the data (`data/`) and the logs (`server.log`, `stdout.log`). */
  readonly dir: string;
  readonly logFile: string;
  /** The java process id, while it runs. */
  readonly pid: number | undefined;
  /**
   * Stops the broker cleanly (SIGTERM, SIGKILL after stopTimeoutMs) and deletes its temp folder,
   * unless keepData is set, in which case restart() can bring the same broker back. Idempotent.
   */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** Crashes the broker (SIGKILL) and waits for it to be gone; the data is kept for restart(). */
  kill(): Promise<void>;
  /** Starts the broker again on the same ports with the same data, after stop({ keepData }) or kill(). */
  restart(): Promise<void>;
}

/** Every java process started here and its folder: killed and removed on exit, whatever the tests did. */
const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, dir] of live) {
      try {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      } catch {
        /* already gone */
      }
    }
  });
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = createConnection({ host: HOST, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('error', () => resolveListening(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolveListening(false);
    });
  });
}

/**
 * Kafka's cluster ids are 16 random bytes, base64url without padding; like Kafka's Uuid.randomUuid,
 * never one starting with '-', which the storage tool would read as an option.
 */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dir: string, port: number, controllerPort: number, extra: StartKafkaOptions['config']): string {
  const config: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${controllerPort}`,
    listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': join(dir, 'data'),
    // One node on a small machine.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'num.partitions': 3,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'auto.create.topics.enable': false,
    // After a crash the controller refuses the new incarnation until the old one's session
    // expires (default 9 s); a shorter session makes kill() + restart() take a few seconds.
    'broker.session.timeout.ms': 3000,
    'broker.heartbeat.interval.ms': 500,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    ...extra,
  };
  return Object.entries(config)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n') + '\n';
}

/** Logs go to server.log in the temp folder, never to the test output. */
function writeLogConfig(dir: string, major: number): string {
  const logFile = join(dir, 'server.log');
  if (major < 4) {
    const file = join(dir, 'log4j.properties');
    writeFileSync(
      file,
      [
        'log4j.rootLogger=INFO, file',
        'log4j.appender.file=org.apache.log4j.FileAppender',
        `log4j.appender.file.File=${logFile}`,
        'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka.request.logger=WARN',
        'log4j.logger.state.change.logger=WARN',
        '',
      ].join('\n'),
    );
    return `-Dlog4j.configuration=file:${file}`;
  }
  const file = join(dir, 'log4j2.properties');
  writeFileSync(
    file,
    [
      'appender.file.type=File',
      'appender.file.name=file',
      `appender.file.fileName=${logFile}`,
      'appender.file.layout.type=PatternLayout',
      'appender.file.layout.pattern=[%d] %p %m (%c)%n',
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.file.ref=file',
      '',
    ].join('\n'),
  );
  return `-Dlog4j2.configurationFile=${file}`;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

const FATAL_START_UP = /Socket server failed to bind[^\n]*|Received a fatal error[^\n]*|Fatal error during[^\n]*|Exiting Kafka[^\n]*/;

/** Reads what was appended to a file since the last call (whole lines only). */
function newText(file: string): () => string {
  let offset = 0;
  return () => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return '';
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return '';
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      const text = buffer.toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      offset += Buffer.byteLength(text.slice(0, end));
      return text.slice(0, end);
    } finally {
      closeSync(fd);
    }
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * JVM flags for the class-data archive of this Kafka version and JVM: use it when present, else
 * record one at exit (into a private file, renamed into place only after a clean exit).
 */
function classDataSharing(libs: string, java: Java, enabled: boolean): { flags: string[]; recorded?: (clean: boolean) => void } {
  if (!enabled) return { flags: [] };
  const archive = join(dirname(libs), `classes-${java.build}.jsa`);
  if (existsSync(archive)) return { flags: [`-XX:SharedArchiveFile=${archive}`] };
  const pending = `${archive}.${process.pid}.${Date.now()}`;
  return {
    flags: [`-XX:ArchiveClassesAtExit=${pending}`],
    recorded: (clean) => {
      try {
        if (clean && !existsSync(archive) && statSync(pending).size > 0) renameSync(pending, archive);
      } catch {
        /* no archive this time; a later start records one */
      } finally {
        rmSync(pending, { force: true });
      }
    },
  };
}

/**
 * Starts a real Apache Kafka broker: KRaft, combined broker and controller, one node, on free
 * loopback ports with a fresh temp folder, from jars cached under .cache/kafka. Resolves once the
 * broker answers describeCluster. Java (and Maven, for the first download) must be installed; a
 * missing one is an error, never a skip.
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const version = kafkaVersion(options.version);
  const java = findJava();
  const libs = ensureKafkaJars(version);
  const cds = classDataSharing(libs, java, options.classDataSharing ?? process.env.KAFKA_TEST_CDS !== '0');
  const classpath = join(libs, '*');
  const major = kafkaMajor(version);
  installExitHook();

  const dir = await mkdtemp(join(tmpdir(), 'kafka-test-'));
  const logFile = join(dir, 'server.log');
  const stdoutFile = join(dir, 'stdout.log');
  const propertiesFile = join(dir, 'server.properties');
  const clusterId = randomClusterId();
  const jvmBase = [
    `-Xmx${options.heap ?? '512m'}`,
    '-Xms64m',
    '-Xss512k',
    '-XX:+UseSerialGC',
    // C1 only: a third faster start, and far more throughput than any test here needs.
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    writeLogConfig(dir, major),
    `-Dkafka.logs.dir=${dir}`,
    '-cp',
    classpath,
  ];

  let port = options.port ?? 0;
  let controllerPort = options.controllerPort ?? 0;
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let expectingExit = false;
  let removed = false;

  const format = (): void => {
    writeFileSync(propertiesFile, serverProperties(dir, port, controllerPort, options.config));
    const result = spawnSync(java.path, [...(cds.recorded ? [] : cds.flags), ...jvmBase, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propertiesFile], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.error || result.status !== 0) {
      throw new Error(`Formatting Kafka storage failed (exit ${result.status}): ${result.error?.message ?? ''}\n${result.stdout}\n${result.stderr}\n${tail(logFile)}`);
    }
  };

  // Only the first run records the archive; later runs (restart) start without one.
  let cdsFlags = cds.flags;
  const launch = (): void => {
    const recorded = cds.recorded;
    cds.recorded = undefined;
    const out = openSync(stdoutFile, 'a');
    try {
      child = spawn(java.path, [...cdsFlags, ...jvmBase, 'kafka.Kafka', propertiesFile], { stdio: ['ignore', out, out], cwd: dir });
    } finally {
      closeSync(out);
    }
    const proc = child;
    live.set(proc, dir);
    expectingExit = false;
    exited = new Promise((done) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        watchdog?.kill('SIGKILL');
        recorded?.(signal !== 'SIGKILL' && expectingExit);
        if (!expectingExit) options.onUnexpectedExit?.(code, signal);
        done();
      });
    });
    proc.once('error', () => undefined);
    // Kills the broker (and removes its folder) if this node process dies without stopping it, as a
    // SIGKILLed jest worker does. It ignores the signals of a Ctrl-C or a worker shutdown and polls.
    watchdog = spawn(
      '/bin/sh',
      [
        '-c',
        [
          'trap "" INT TERM HUP',
          'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done',
          'kill -0 "$1" 2>/dev/null && exit 0',
          'kill -TERM "$2" 2>/dev/null',
          'i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 15 ]; do sleep 1; i=$((i+1)); done',
          'kill -KILL "$2" 2>/dev/null',
          'i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 10 ]; do sleep 1; i=$((i+1)); done',
          'rm -rf "$3" 2>/dev/null || { sleep 1; rm -rf "$3"; }',
        ].join('\n'),
        'kafka-watchdog',
        String(process.pid),
        String(proc.pid),
        dir,
      ],
      { stdio: 'ignore' },
    );
    watchdog.once('error', () => undefined);
    watchdog.unref();
    if (!options.keepProcessAlive) proc.unref();
    if (recorded) cdsFlags = [];
  };

  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
    let lastError: unknown;
    let gone = false;
    void exited.then(() => (gone = true));
    const logReader = newText(logFile);
    while (Date.now() < deadline) {
      if (gone) throw new Error(`Kafka exited during start-up (exit ${child?.exitCode}, signal ${child?.signalCode}).\n${tail(stdoutFile)}\n${tail(logFile)}`);
      // A broker that cannot bind its port logs a fatal error but may take minutes to exit.
      const fatal = FATAL_START_UP.exec(logReader());
      if (fatal) throw new Error(`Kafka failed to start: ${fatal[0]}\n${tail(logFile)}`);
      if (await isListening(port)) {
        const admin = new Kafka({
          clientId: 'kafka-test-harness',
          brokers: [`${HOST}:${port}`],
          logLevel: logLevel.NOTHING,
          connectionTimeout: 2000,
          requestTimeout: 5000,
          retry: { retries: 0 },
        }).admin();
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          if (cluster.brokers.length > 0 && cluster.controller !== null) return;
        } catch (error) {
          lastError = error;
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      }
      await sleep(100);
    }
    throw new Error(`Kafka did not answer describeCluster on ${HOST}:${port} in time: ${String(lastError)}\n${tail(stdoutFile)}\n${tail(logFile)}`);
  };

  const halt = async (signal: NodeJS.Signals, timeoutMs: number): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    expectingExit = true;
    // An unref'd child's exit event would not keep this process alive long enough to be seen.
    proc.ref();
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const stop = async ({ keepData = false }: { keepData?: boolean } = {}): Promise<void> => {
    await halt('SIGTERM', options.stopTimeoutMs ?? 20_000);
    if (!keepData && !removed) {
      removed = true;
      await rm(dir, { recursive: true, force: true });
    }
  };

  // Free ports can be taken by someone else between probing and binding: try again with new ones.
  const pickPorts = options.port === undefined || options.controllerPort === undefined;
  for (let attempt = 1; ; attempt++) {
    if (options.port === undefined) port = await freePort();
    if (options.controllerPort === undefined) {
      do controllerPort = await freePort();
      while (controllerPort === port);
    }
    try {
      format();
      launch();
      await waitReady();
      break;
    } catch (error) {
      await halt('SIGKILL', 0);
      const bindFailure = /Address already in use|BindException/.test(`${String(error)} ${tail(stdoutFile, 200)} ${tail(logFile, 200)}`);
      if (!pickPorts || !bindFailure || attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      await rm(join(dir, 'data'), { recursive: true, force: true });
    }
  }

  return {
    brokers: `${HOST}:${port}`,
    port,
    controllerPort,
    version,
    clusterId,
    dir,
    logFile,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    stop,
    kill: () => halt('SIGKILL', 0),
    restart: async () => {
      if (removed || !existsSync(dir)) throw new Error('restart() after stop() without keepData: the broker data is gone');
      if (child && child.exitCode === null && child.signalCode === null) throw new Error('restart(): the broker is still running');
      launch();
      await waitReady();
    },
  };
}
