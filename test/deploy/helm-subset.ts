import { stringify } from 'yaml';

/**
 * Renders the Helm chart's templates for the test, without helm (neither the npm registry nor Debian ships it).
 * It understands only what deploy/helm uses — `{{ .Values.x }}` / `$.…` / `$var.…` paths, `range $k, $v := …`
 * (map keys in Go's sorted order), `if` / `if not`, `end`, the pipes `quote`, `toYaml`, `nindent N`, and `{{-`/`-}}`
 * trimming — and throws on anything else, so a template that outgrows it fails the test rather than render wrongly.
 */
type Scope = { dot: unknown; root: unknown; vars: Record<string, unknown> };
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; expr: string }
  | { kind: 'range'; key: string; value: string; over: string; body: Node[] }
  | { kind: 'if'; negate: boolean; cond: string; body: Node[] };

function tokenize(template: string): ({ text: string } | { action: string })[] {
  const out: ({ text: string } | { action: string })[] = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    let text = template.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    out.push({ text });
    out.push({ action: m[2] });
    trimNext = m[3] === '-';
    last = re.lastIndex;
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  out.push({ text: tail });
  return out;
}

function parse(tokens: ({ text: string } | { action: string })[]): Node[] {
  let i = 0;
  const block = (): Node[] => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const token = tokens[i++];
      if ('text' in token) {
        if (token.text) nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.action;
      if (action === 'end') return nodes;
      let m: RegExpExecArray | null;
      if ((m = /^range \$(\w+), \$(\w+) := (\S+)$/.exec(action))) {
        nodes.push({ kind: 'range', key: m[1], value: m[2], over: m[3], body: block() });
      } else if ((m = /^if (not )?(\S+)$/.exec(action))) {
        nodes.push({ kind: 'if', negate: !!m[1], cond: m[2], body: block() });
      } else if (/^(else|define|include|template|with|block)\b/.test(action)) {
        throw new Error(`helm-subset: unsupported action {{ ${action} }}`);
      } else {
        nodes.push({ kind: 'expr', expr: action });
      }
    }
    return nodes;
  };
  return block();
}

function lookup(path: string, scope: Scope): unknown {
  const [head, ...rest] = path.split('.');
  let value: unknown = head === '' ? scope.dot : head === '$' ? scope.root : head.startsWith('$') ? scope.vars[head.slice(1)] : undefined;
  if (head !== '' && !head.startsWith('$')) throw new Error(`helm-subset: unsupported operand ${path}`);
  if (head.startsWith('$') && head !== '$' && !(head.slice(1) in scope.vars)) throw new Error(`helm-subset: unknown variable ${head}`);
  for (const key of rest) value = value === undefined || value === null ? undefined : (value as Record<string, unknown>)[key];
  return value;
}

function evaluate(expr: string, scope: Scope): string {
  const [operand, ...pipes] = expr.split('|').map((p) => p.trim());
  let value: unknown = /^".*"$/.test(operand) ? JSON.parse(operand) : lookup(operand, scope);
  for (const pipe of pipes) {
    const [fn, arg] = pipe.split(/\s+/);
    if (fn === 'quote') value = JSON.stringify(value === undefined || value === null ? '' : String(value));
    else if (fn === 'toYaml') value = stringify(value).replace(/\n$/, '');
    else if (fn === 'nindent') value = `\n${String(value).split('\n').map((l) => ' '.repeat(Number(arg)) + l).join('\n')}`;
    else throw new Error(`helm-subset: unsupported function ${fn}`);
  }
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value && typeof value === 'object') return Object.keys(value).length > 0;
  return !!value;
}

function run(nodes: Node[], scope: Scope): string {
  return nodes.map((node) => {
    switch (node.kind) {
      case 'text': return node.text;
      case 'expr': return evaluate(node.expr, scope);
      case 'if': return truthy(lookup(node.cond, scope)) !== node.negate ? run(node.body, scope) : '';
      case 'range': {
        const over = lookup(node.over, scope) as Record<string, unknown> | undefined;
        return Object.keys(over ?? {}).sort()
          .map((key) => run(node.body, { ...scope, dot: over![key], vars: { ...scope.vars, [node.key]: key, [node.value]: over![key] } }))
          .join('');
      }
    }
  }).join('');
}

export function renderTemplate(template: string, context: Record<string, unknown>): string {
  return run(parse(tokenize(template)), { dot: context, root: context, vars: {} });
}
