import { AUTHORIZATION_ELEMENTS, ELEMENT_RULES } from '@app/domain';
import { fillForm, findForm, PUBLISHED_FORMS, templateSha256 } from '../src';
import { marketingTerms } from './support';

/** The digest of every version when it was published. A published version never changes: a change is a new version. */
const PUBLISHED_DIGESTS: Record<string, string> = {
  'hipaa-marketing@2026-01': 'ac1a5dd95eca2a45ad9dcb0bc6a5792951359f6f38fb9c7deb47019f953b9cce',
  'fundraising-opt-out-notice@2026-01': 'd4b8d0b42cfee21dd7c77dd72685bc2df65420be701dd26d5167f269303e0c78',
  'part2-consent@2026-02': '9b8c57039c96c1b7e531c94d7eec244e3fd7902e1850e5f3cbccb1d5cf4586a5',
};

describe('form templates', () => {
  it('a published version never changes: each template still has the digest it was published with', () => {
    const digests = Object.fromEntries(PUBLISHED_FORMS.map((form) => [`${form.formId}@${form.version}`, templateSha256(form)]));
    expect(digests).toEqual(PUBLISHED_DIGESTS);
  });

  it('each (formId, version) is published once, and the catalogue is frozen', () => {
    const keys = PUBLISHED_FORMS.map((form) => `${form.formId}@${form.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(Object.isFrozen(PUBLISHED_FORMS)).toBe(true);
    expect(findForm('hipaa-marketing', '2026-01')?.kind).toBe('authorization');
    expect(findForm('hipaa-marketing', '2099-01')).toBeUndefined();
  });

  it.each(['hipaa-marketing', 'part2-consent'])('%s declares every core element and required statement, each with its rule', (formId) => {
    const form = PUBLISHED_FORMS.find((f) => f.formId === formId)!;
    const declared = [...form.elements.map((e) => e.element), ...form.statements.map((s) => s.id)];
    for (const element of AUTHORIZATION_ELEMENTS.filter((e) => !['compound', 'conditioned', 'form', 'remuneration.statement'].includes(e))) {
      expect(declared).toContain(element);
    }
    for (const item of [...form.elements, ...form.statements]) {
      expect(item.rule).toMatch(/^(45|42) CFR /);
      expect(item.ruleId).toMatch(/^(H|P)\d+$/);
    }
  });

  it('hipaa-marketing requires the remuneration statement only when a third party pays (H3)', () => {
    const form = findForm('hipaa-marketing', '2026-01')!;
    const statement = form.statements.find((s) => s.id === 'remuneration.statement')!;
    expect(statement).toEqual(expect.objectContaining({ when: 'remuneration-involved', rule: ELEMENT_RULES['remuneration.statement'], ruleId: 'H3' }));
    const paid = fillForm(form, marketingTerms());
    const unpaid = fillForm(form, marketingTerms({ remuneration: { involved: false, statement: null } }));
    expect(paid.sections.map((s) => s.id)).toContain('remuneration.statement');
    expect(paid.sections.find((s) => s.id === 'remuneration.statement')!.text)
      .toBe('The marketing described in this form involves payment to Acme Health from a third party. Acme Health receives payment from Brightmail Inc.');
    expect(unpaid.sections.map((s) => s.id)).not.toContain('remuneration.statement');
  });

  it('the fundraising opt-out notice is a notice (nothing to sign) citing 164.514(f) (H10)', () => {
    const form = findForm('fundraising-opt-out-notice', '2026-01')!;
    expect(form.kind).toBe('notice');
    expect(form.elements).toEqual([]);
    expect(form.statements.map((s) => s.rule)).toEqual(expect.arrayContaining(['45 CFR 164.514(f)(2)(ii)', '45 CFR 164.514(f)(2)(iii)']));
    expect(form.statements.every((s) => s.ruleId === 'H10')).toBe(true);
  });
});
