// The case page: "Search the requirements" shows only the rows whose title, comment, evidence
// or exemption contain every word typed, marks where, opens the folded comments that match,
// and says how many rows are shown. Escape clears it. Rows hidden keep their findings in the
// form, and searching is not an unsaved change.
document.addEventListener('DOMContentLoaded', function () {
  var box = document.getElementById('requirement-search');
  var table = document.querySelector('table.requirements');
  if (!box || !table) { return; }
  var count = document.getElementById('requirement-search-count');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var texts = rows.map(function (row) {
    var parts = row.querySelectorAll('.requirement-title, .written');
    return Array.prototype.map.call(parts, function (p) { return p.textContent; })
      .join(' ').toLowerCase();
  });
  // Where the words are, marked without changing the page (the CSS Custom Highlight API;
  // browsers without it still filter the rows).
  var marks = window.CSS && CSS.highlights && window.Highlight ? new Highlight() : null;
  if (marks) { CSS.highlights.set('requirement-search', marks); }
  function mark(row, words) {
    var walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      if (!node.parentElement.closest('.requirement-title, .written')) { continue; }
      var text = node.data.toLowerCase();
      words.forEach(function (w) {
        for (var at = text.indexOf(w); at !== -1; at = text.indexOf(w, at + w.length)) {
          var range = new Range();
          range.setStart(node, at);
          range.setEnd(node, at + w.length);
          marks.add(range);
        }
      });
    }
  }
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    if (marks) { marks.clear(); }
    rows.forEach(function (row, i) {
      var match = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      row.hidden = !match;
      if (match) { shown += 1; }
      if (match && marks && words.length) { mark(row, words); }
      row.querySelectorAll('details.statement-comment').forEach(function (d) {
        var inside = words.length > 0 && words.every(function (w) {
          return d.textContent.toLowerCase().indexOf(w) !== -1;
        });
        if (inside) { d.open = true; }
      });
    });
    if (!words.length) { count.textContent = ''; return; }
    count.textContent = shown === 0 ? 'No requirement matches “' + box.value + '”.'
      : shown + ' of ' + rows.length + ' requirements shown.';
  }
  box.addEventListener('input', apply);
  box.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { box.value = ''; apply(); }
    // the box is outside the findings form: Enter searches, it never saves the findings
    if (event.key === 'Enter') { event.preventDefault(); apply(); }
  });
});
