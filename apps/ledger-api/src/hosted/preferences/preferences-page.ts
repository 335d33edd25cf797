import { findForm, instantInWords, listInWords } from '@app/documents';
import type { Channel, Purpose } from '@app/domain';
import { escape, page } from '../html';

export const PAGE_PURPOSES: readonly Purpose[] = ['marketing', 'fundraising', 'research'];
export const PAGE_CHANNELS: readonly Channel[] = ['email', 'sms', 'voice', 'mail'];

export const PURPOSE_LABELS: Record<Purpose, string> = {
  treatment: 'Care and treatment messages',
  payment: 'Billing messages',
  operations: 'Service messages',
  marketing: 'Marketing',
  fundraising: 'Fundraising',
  research: 'Research studies',
};
export const CHANNEL_LABELS: Record<Channel, string> = { email: 'Email', sms: 'Text (SMS)', voice: 'Phone call', mail: 'Post', portal: 'Portal' };

export interface AuthorizationRow {
  authorizationId: string;
  title: string;
  purposes: Purpose[];
  channels: Channel[];
  signedAt: string;
  status: string;
  hasDocument: boolean;
}

export interface PreferencesModel {
  base: string;
  optedOut: (purpose: Purpose, channel: Channel) => boolean;
  authorizations: AuthorizationRow[];
  message: string | null;
}

function choiceCell(base: string, purpose: Purpose, channel: Channel, optedOut: boolean): string {
  const choice = optedOut ? 'opt-in' : 'opt-out';
  const verb = optedOut ? 'Opt in' : 'Opt out';
  const preposition = optedOut ? 'to' : 'of';
  return `<td>${optedOut ? 'Off' : 'On'}
<form method="post" action="${escape(base)}/choice"><input type="hidden" name="purpose" value="${purpose}"><input type="hidden" name="channel" value="${channel}"><input type="hidden" name="choice" value="${choice}">
<button type="submit" class="secondary">${verb}<span class="sr-only"> ${preposition} ${escape(PURPOSE_LABELS[purpose].toLowerCase())} by ${escape(CHANNEL_LABELS[channel].toLowerCase())}</span></button></form></td>`;
}

export function preferencesPage(model: PreferencesModel): string {
  const { base } = model;
  const rows = PAGE_PURPOSES.map((purpose) => `<tr><th scope="row">${escape(PURPOSE_LABELS[purpose])}</th>${
    PAGE_CHANNELS.map((channel) => choiceCell(base, purpose, channel, model.optedOut(purpose, channel))).join('')}</tr>`).join('\n');
  const notice = findForm('fundraising-opt-out-notice', '2026-01');
  const authorizations = model.authorizations.length === 0
    ? '<p>You have not signed any authorizations.</p>'
    : `<ul class="authorizations">${model.authorizations.map((a) => `<li>
<h3>${escape(a.title)}</h3>
<p>For ${escape(listInWords(a.purposes))}${a.channels.length ? ` by ${escape(listInWords(a.channels.map((c) => CHANNEL_LABELS[c].toLowerCase())))}` : ''}; signed ${escape(instantInWords(a.signedAt))}. Status: <strong>${escape(a.status)}</strong>.</p>
${a.hasDocument ? `<p><a href="${escape(base)}/authorizations/${escape(a.authorizationId)}/document" download>Download the signed copy<span class="sr-only"> of ${escape(a.title)}</span> (PDF)</a></p>` : ''}
${a.status === 'active' ? `<form method="post" action="${escape(base)}/revoke"><input type="hidden" name="authorizationId" value="${escape(a.authorizationId)}">
<p class="hint">Revoking stops future use from the moment we receive it; it does not undo what was already done.</p>
<button type="submit" class="danger">Revoke this authorization<span class="sr-only">: ${escape(a.title)}</span></button></form>` : ''}
</li>`).join('\n')}</ul>`;
  return page('Your communication preferences', `<h1>Your communication preferences</h1>
${model.message ? `<div class="status" role="status"><p>${escape(model.message)}</p></div>` : ''}
<h2>What we may send you</h2>
<p>Choose how we may contact you. Messages about your care, such as appointment reminders, are not affected.</p>
<table><caption class="sr-only">Your choices by kind of message and channel</caption>
<thead><tr><th scope="col">Kind of message</th>${PAGE_CHANNELS.map((c) => `<th scope="col">${escape(CHANNEL_LABELS[c])}</th>`).join('')}</tr></thead>
<tbody>${rows}</tbody></table>
${notice ? `<details><summary>About fundraising messages</summary>${notice.statements.map((s) => `<p><strong>${escape(s.heading)}.</strong> ${escape(s.text.replaceAll('{disclosers}', 'We'))}</p>`).join('')}</details>` : ''}
<h2>Authorizations you have signed</h2>
${authorizations}`);
}
