/**
 * Server-rendered pages for patients: plain, accessible HTML (landmarks, labels, one h1, visible focus, a status
 * region for results); every form works without JavaScript. Helmet's CSP allows scripts from the ledger only, so the
 * one script (the signature pad) is served from a route, never inline.
 */
export const HTML = 'text/html; charset=utf-8';

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f5f6f7;margin:0;line-height:1.55;font-size:1.05rem}
header.site{background:#0b4f6c;color:#fff;padding:.75rem 1rem}
header.site p{margin:0;max-width:46rem;margin-inline:auto;font-weight:600}
main{max-width:46rem;margin:1.5rem auto;background:#fff;padding:1.5rem 1.75rem;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.6rem;line-height:1.25;margin-top:0}
h2{font-size:1.15rem;margin:1.5rem 0 .25rem}
.meta{color:#555;font-size:.9rem}
.rule{color:#666;font-size:.8rem;margin-top:0}
section.term p{margin:.25rem 0}
.field{margin:1rem 0}
label,legend{font-weight:600;display:block;margin-bottom:.25rem}
input[type=text],textarea{width:100%;font:inherit;padding:.5rem;border:2px solid #555;border-radius:.25rem}
input[type=checkbox],input[type=radio]{width:1.2rem;height:1.2rem;vertical-align:middle;margin-right:.4rem}
.choice label{display:inline;font-weight:400}
fieldset{border:1px solid #bbb;border-radius:.25rem;padding:.5rem 1rem 1rem}
.hint{color:#555;font-size:.9rem;margin:.1rem 0 .4rem}
button,.button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:.3rem;border:2px solid #0b4f6c;background:#0b4f6c;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#0b4f6c}
button.danger{background:#a4262c;border-color:#a4262c}
:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.pad{border:2px dashed #555;border-radius:.25rem;background:#fff;touch-action:none;width:100%;max-width:600px;height:auto;display:block}
.alert{border-left:6px solid #a4262c;background:#fdf0f0;padding:.75rem 1rem;margin:1rem 0}
.status{border-left:6px solid #2e7d32;background:#eef7ee;padding:.75rem 1rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.45rem .4rem;text-align:left;vertical-align:top}
td form{display:inline}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.digest{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-all;color:#555}
`;

export function page(title: string, body: string, options: { script?: string } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${escape(title)}</title>
<style>${STYLE}</style>
</head><body>
<a class="sr-only" href="#main">Skip to content</a>
<header class="site"><p>Consent Ledger: your privacy choices</p></header>
<main id="main">
${body}
</main>
${options.script ? `<script src="${escape(options.script)}" defer></script>` : ''}
</body></html>`;
}

/** Why a link was refused; the page says what to do next and nothing about whose link it was. */
export function refusedPage(reason: 'expired' | 'invalid', what: 'signing' | 'preferences'): string {
  const title = reason === 'expired' ? 'This link has expired' : 'This link is not valid';
  const detail = reason === 'expired'
    ? `For your security, ${what} links work for a short time only. Nothing was signed or changed.`
    : `The link may be incomplete or altered. Nothing was signed or changed.`;
  return page(title, `<h1>${escape(title)}</h1>
<div class="alert" role="alert"><p>${escape(detail)}</p></div>
<p>Please ask your care provider for a new link, or open it again from your patient portal.</p>`);
}
