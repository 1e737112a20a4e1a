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
  // changed before this script ran (a quick hand on a slow page): a control that differs from
  // what the page came with
  function changedAlready() {
    return Array.prototype.some.call(form.elements, function (control) {
      if (control.type === 'radio' || control.type === 'checkbox') {
        return control.checked !== control.defaultChecked;
      }
      if (control.tagName === 'SELECT') {  // no option marked selected: the first one is
        var initial = Array.prototype.findIndex.call(control.options, function (option) {
          return option.defaultSelected;
        });
        return control.selectedIndex !== Math.max(initial, 0);
      }
      return control.type !== 'hidden' && 'defaultValue' in control &&
        control.value !== control.defaultValue;
    });
  }
  if (dirty || changedAlready()) { mark(); }
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
