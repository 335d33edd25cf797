/**
 * The signature pad (progressive enhancement): shows the canvas, records pointer strokes, and on submit puts the
 * drawing as a base64 PNG in the form with `method=drawn`. Without it the typed name signs.
 */
export const SIGNATURE_PAD_JS = `(function () {
  var form = document.getElementById('sign-form');
  var wrap = document.getElementById('pad-wrap');
  var canvas = document.getElementById('pad');
  if (!form || !wrap || !canvas || !canvas.getContext) return;
  wrap.hidden = false;
  var ctx = canvas.getContext('2d');
  ctx.lineWidth = 3; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#0b1f44';
  var drawing = false, drawn = false, last = null;
  var status = document.getElementById('pad-status');
  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }
  canvas.addEventListener('pointerdown', function (e) {
    drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!drawing) return;
    var p = point(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p;
    if (!drawn) { drawn = true; status.textContent = 'Drawing captured. It will be added to your signature.'; }
  });
  function stop() { drawing = false; }
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  document.getElementById('pad-clear').addEventListener('click', function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; status.textContent = 'Drawing cleared.';
  });
  form.addEventListener('submit', function () {
    if (!drawn) return;
    form.elements.namedItem('image').value = canvas.toDataURL('image/png').split(',')[1];
    form.elements.namedItem('method').value = 'drawn';
  });
})();
`;
