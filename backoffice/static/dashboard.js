// Draws the SLA dashboard's charts from the numbers the page's tables also show.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1d70b8", "#f47738", "#00703c", "#912b88", "#d4351c", "#6f777b"];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function bar(id, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {type: "bar", data: {labels: labels, datasets: datasets},
                       options: Object.assign({plugins: {legend: {display: datasets.length > 1}},
                                               scales: {y: {beginAtZero: true, ticks: {precision: 0}}}},
                                              options || {})});
    canvas.dataset.drawn = "true";
  }

  function stacked(series) {
    return series.map(function (one, i) {
      return {label: one.label, data: one.data, backgroundColor: palette[i % palette.length]};
    });
  }

  bar("chart-status", data.status.labels, [{label: "Open cases", data: data.status.values,
                                             backgroundColor: palette[0]}]);
  bar("chart-age", data.age.labels, [{label: "Open cases", data: data.age.values,
                                       backgroundColor: palette[1]}]);
  bar("chart-throughput", data.throughput.labels, [
    {label: "Opened", data: data.throughput.opened, backgroundColor: palette[0], yAxisID: "y"},
    {label: "Closed", data: data.throughput.closed, backgroundColor: palette[2], yAxisID: "y"},
    {label: "Median working days to outcome", data: data.throughput.median, type: "line",
     borderColor: palette[1], backgroundColor: palette[1], yAxisID: "days", spanGaps: true}
  ], {scales: {y: {beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: "cases"}},
               days: {beginAtZero: true, position: "right", grid: {drawOnChartArea: false},
                      title: {display: true, text: "working days"}}}});
  var stackedScales = {scales: {x: {stacked: true},
                                y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}};
  bar("chart-load", data.load.labels, stacked(data.load.series), stackedScales);
  bar("chart-tickets", data.tickets.labels, stacked(data.tickets.series), stackedScales);
}());
