/** The hosted pages of one-click unsubscribe: plain HTML, no script, one form each (they work without JavaScript). */

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function described(purpose: string): string {
  return purpose === '*' ? 'all messages' : `${purpose} messages`;
}

/** GET of a valid link: nothing changes until the button is pressed (link scanners only GET). */
export function confirmPage(action: string, purpose: string, preferencesUrl: string): string {
  return page('Unsubscribe', `<p>Stop sending ${escape(described(purpose))} by email to this address?</p>
<form method="post" action="${escape(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>
<p><a href="${escape(preferencesUrl)}">Manage all your communication preferences</a></p>`);
}

export function donePage(purpose: string, preferencesUrl: string): string {
  return page('You are unsubscribed', `<p>This address will no longer receive ${escape(described(purpose))} by email.</p>
<p><a href="${escape(preferencesUrl)}">Manage all your communication preferences</a></p>`);
}

/** An expired link records nothing by itself; the person can still unsubscribe by typing the address (C1, C3). */
export function byAddressPage(action: string, purpose: string, message: string): string {
  return page('Unsubscribe by email address', `<p>${escape(message)}</p>
<form method="post" action="${escape(action)}"><label>Email address <input type="email" name="email" required autocomplete="email"></label>
<button type="submit">Unsubscribe from ${escape(described(purpose))}</button></form>`);
}

export function refusedPage(): string {
  return page('Link not recognised', '<p>This unsubscribe link is not valid. Please use the link from the message you received, or contact the sender.</p>');
}
