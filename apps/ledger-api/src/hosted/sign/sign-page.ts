import { type FormContent, instantInWords } from '@app/documents';
import { escape, page } from '../html';

export interface SignFormValues {
  signerName?: string;
  signerRole?: string;
  representativeAuthority?: string;
}

/** The form as the patient reads it: every element filled in, each statement, then the signature form. */
export function signPage(action: string, content: FormContent, contentSha256: string, values: SignFormValues = {}, errors: string[] = []): string {
  const sections = content.sections.map((section, i) => `<section class="term" aria-labelledby="term-${i}">
<h2 id="term-${i}">${escape(section.heading)}</h2><p>${escape(section.text)}</p></section>`).join('\n');
  const representative = values.signerRole === 'personal-representative';
  const alert = errors.length > 0
    ? `<div class="alert" role="alert" id="errors" tabindex="-1"><h2>Please check the form</h2><ul>${errors.map((e) => `<li>${escape(e)}</li>`).join('')}</ul></div>`
    : '';
  return page(`Sign: ${content.title}`, `<h1>${escape(content.title)}</h1>
<p class="meta">Form ${escape(content.formId)}, version ${escape(content.version)}</p>
${alert}
<p>${escape(content.introduction)}</p>
${sections}
<form id="sign-form" method="post" action="${escape(action)}">
<h2>Sign this form</h2>
<div class="field"><label for="signerName">Your full name</label>
<p class="hint" id="signerName-hint">Typing your name here is your electronic signature.</p>
<input type="text" id="signerName" name="signerName" required autocomplete="name" maxlength="200" aria-describedby="signerName-hint" value="${escape(values.signerName ?? '')}"></div>
<fieldset class="field"><legend>Who is signing?</legend>
<div class="choice"><input type="radio" id="role-self" name="signerRole" value="self"${representative ? '' : ' checked'}><label for="role-self">I am the patient</label></div>
<div class="choice"><input type="radio" id="role-rep" name="signerRole" value="personal-representative"${representative ? ' checked' : ''}><label for="role-rep">I am the patient's personal representative</label></div>
<label for="representativeAuthority">If you are the personal representative: your authority to act for the patient</label>
<p class="hint" id="authority-hint">For example: parent of a minor, legal guardian, health care power of attorney.</p>
<textarea id="representativeAuthority" name="representativeAuthority" rows="2" maxlength="2000" aria-describedby="authority-hint">${escape(values.representativeAuthority ?? '')}</textarea>
</fieldset>
<div class="field" id="pad-wrap" hidden>
<label for="pad" id="pad-label">Draw your signature (optional)</label>
<p class="hint" id="pad-hint">Use your mouse, finger or stylus. Your typed name signs the form either way.</p>
<canvas id="pad" class="pad" width="600" height="160" aria-describedby="pad-hint">A box to draw your signature in.</canvas>
<p><button type="button" class="secondary" id="pad-clear">Clear drawing</button></p>
<p id="pad-status" role="status" class="hint"></p>
</div>
<input type="hidden" name="method" value="typed"><input type="hidden" name="image" value="">
<input type="hidden" name="contentSha256" value="${escape(contentSha256)}">
<div class="field choice"><input type="checkbox" id="agree" name="agree" value="yes" required><label for="agree">I have read this form and I sign it electronically.</label></div>
<p><button type="submit">Sign authorization</button></p>
<p class="digest">Form content SHA-256: ${escape(contentSha256)}</p>
</form>`, { script: '/hosted/signature-pad.js' });
}

export function signedPage(title: string, status: string, signedAt: string, documentUrl: string): string {
  const active = status === 'active';
  return page('Thank you: your authorization is signed', `<h1>Thank you: your authorization is signed</h1>
<div class="status" role="status"><p>${escape(title)} was signed on ${escape(instantInWords(signedAt))}.${active ? '' : ` Its status is now: ${escape(status)}.`}</p></div>
<p>Keep a copy for your records. It includes a signature certificate showing how and when you signed.</p>
<p><a class="button" href="${escape(documentUrl)}" download>Download your signed copy (PDF)</a></p>
<p>You can revoke this authorization at any time on your preferences page, or in writing to your care provider.</p>`);
}
