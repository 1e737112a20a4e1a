// The case page: findings typed but not saved are not lost without a warning. Leaving the page
// (another form on it, a link, closing the tab) while the findings form has unsaved changes asks
// first; saving the findings themselves does not.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-testid="findings-form"]');
  if (!form) { return; }
  var dirty = form.dataset.unsaved === '1';  // a refused save shows entries not yet stored
  var note = document.getElementById('unsaved-note');
  function mark() {
    dirty = true;
    if (note) { note.hidden = false; }
  }
  if (dirty) { mark(); }
  form.addEventListener('input', mark);
  form.addEventListener('change', mark);
  var agreeAll = document.getElementById('agree-all');
  if (agreeAll) { agreeAll.addEventListener('click', mark); }
  form.addEventListener('submit', function () { dirty = false; });
  window.addEventListener('beforeunload', function (event) {
    if (!dirty) { return undefined; }
    event.preventDefault();
    event.returnValue = 'You have findings that are not saved yet.';
    return event.returnValue;
  });
});
