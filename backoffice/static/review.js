// The review page: "Agree with all unanswered" ticks "agree" on every requirement not yet
// answered; republished rows (marked data-changed), non-applicable ones, those marked Not
// Relevant (data-not-relevant: the reviewer overturns those, or not, one by one) and rows a
// search hides are left to the reviewer.
document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('agree-all');
  if (!button) { return; }
  button.addEventListener('click', function () {
    document.querySelectorAll('input[type=radio][value=agree]').forEach(function (radio) {
      var name = radio.name;
      var row = radio.closest('tr');
      if (!document.querySelector('input[name="' + name + '"]:checked') &&
          !row.classList.contains('text-muted') && !row.dataset.changed &&
          !row.dataset.notRelevant && !row.hidden) {
        radio.checked = true;
      }
    });
  });
});
