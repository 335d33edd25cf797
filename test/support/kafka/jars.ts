import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The broker version the tests run against. 3.9.x is the last line that still serves every
 * protocol version kafkajs 2.x sends (Kafka 4.0 dropped the old ones, KIP-896); see
 * docs/operations.md. KAFKA_VERSION overrides it.
 */
export const DEFAULT_KAFKA_VERSION = '3.9.2';

/** 3.x logs through log4j 1 (reload4j), which kafka_2.13 does not bring at runtime. */
const LOG4J1_BACKEND = [
  { groupId: 'ch.qos.reload4j', artifactId: 'reload4j', version: '1.2.25' },
  { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
];

const MARKER = 'COMPLETE';

export function kafkaVersion(requested?: string): string {
  return requested || process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

export function kafkaMajor(version: string): number {
  return Number(version.split('.')[0]);
}

/** `<repo>/.cache/kafka`, or KAFKA_CACHE_DIR. */
export function kafkaCacheRoot(): string {
  return process.env.KAFKA_CACHE_DIR || resolve(__dirname, '..', '..', '..', '.cache', 'kafka');
}

export interface Java {
  /** The java binary: $JAVA_HOME/bin/java when set, else `java` on PATH. */
  path: string;
  /** Short hash of `java -version`, naming files (class-data archives) valid for this JVM only. */
  build: string;
}

/** Finds Java, or throws an error naming what is missing. */
export function findJava(): Java {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined;
  const java = fromHome && existsSync(fromHome) ? fromHome : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `The Kafka test broker needs Java 17+ and none was found (${java}: ${probe.error?.message ?? probe.stderr}). ` +
        'Install a JDK (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME.',
    );
  }
  const build = createHash('sha256').update(`${java}\n${probe.stderr}${probe.stdout}`).digest('hex').slice(0, 12);
  return { path: java, build };
}

function requireMaven(): void {
  const probe = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `The Kafka test broker fetches its jars with Maven, and \`mvn\` was not found (${probe.error?.message ?? probe.stderr}). ` +
        'Install Maven (e.g. apt-get install maven), or fill the jar cache (.cache/kafka/<version>/libs) by other means.',
    );
  }
}

function pom(version: string): string {
  const deps = [{ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version }];
  if (kafkaMajor(version) < 4) deps.push(...LOG4J1_BACKEND);
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>consent-ledger.test</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
${deps.map((d) => `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId><version>${d.version}</version></dependency>`).join('\n')}
  </dependencies>
</project>
`;
}

/**
 * The folder holding every jar the broker needs (`.cache/kafka/<version>/libs`), downloaded from
 * Maven Central on first use. A marker file is written only after a complete download, and the
 * download goes to a private folder renamed into place, so concurrent callers never see half a cache.
 */
export function ensureKafkaJars(version = kafkaVersion()): string {
  const root = kafkaCacheRoot();
  const dir = join(root, version);
  const libs = join(dir, 'libs');
  if (existsSync(join(dir, MARKER))) return libs;

  requireMaven();
  mkdirSync(root, { recursive: true });
  const staging = join(root, `.${version}.${process.pid}.${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(join(staging, 'pom.xml'), pom(version));
    const mvn = spawnSync(
      'mvn',
      ['-q', '-B', '-f', join(staging, 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(staging, 'libs')}`],
      { encoding: 'utf8', timeout: 15 * 60_000 },
    );
    if (mvn.error || mvn.status !== 0) {
      throw new Error(`Fetching Kafka ${version} jars with Maven failed (exit ${mvn.status}):\n${mvn.stdout}\n${mvn.stderr}`);
    }
    const jars = readdirSync(join(staging, 'libs'));
    if (!jars.includes(`kafka_2.13-${version}.jar`)) {
      throw new Error(`Maven finished but kafka_2.13-${version}.jar is missing from ${join(staging, 'libs')}`);
    }
    writeFileSync(join(staging, MARKER), `${new Date().toISOString()} ${jars.length} jars\n`);
    try {
      renameSync(staging, dir);
    } catch {
      // Someone else finished first (or left a broken folder without the marker).
      if (existsSync(join(dir, MARKER))) return libs;
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    }
    return libs;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
