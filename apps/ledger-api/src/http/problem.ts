/** RFC 9457 problem details. Every error the API answers is one of these. */
export const PROBLEM_BASE = 'https://consent-ledger.dev/problems/';

export interface FieldError { field: string; message: string }

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  get type(): string {
    return PROBLEM_BASE + this.slug;
  }

  toJSON(instance?: string): Record<string, unknown> {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail, ...(instance ? { instance } : {}), ...this.extensions };
  }

  static badRequest(detail: string, errors: FieldError[]): Problem {
    return new Problem(400, 'validation-failed', 'The request is not valid', detail, { errors });
  }

  static notFound(detail: string): Problem {
    return new Problem(404, 'not-found', 'Not found', detail);
  }
}
