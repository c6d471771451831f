/* Hazard statistics: found, closed and overdue per month; per street the average days to close and recurrences. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("stats-chart").textContent);
  var t = data.labels;
  var months = echarts.init(document.getElementById("chart-months"));
  months.setOption({
    tooltip: {trigger: "axis"}, legend: {data: [t.found, t.closed, t.overdue]},
    grid: {left: 40, right: 16, bottom: 30, top: 40},
    xAxis: {type: "category", data: data.months}, yAxis: {type: "value"},
    series: [{name: t.found, type: "bar", data: data.found, itemStyle: {color: "#1976d2"}},
             {name: t.closed, type: "bar", data: data.closed, itemStyle: {color: "#2e7d32"}},
             {name: t.overdue, type: "line", data: data.overdue, itemStyle: {color: "#d32f2f"}}]
  });
  var streets = echarts.init(document.getElementById("chart-streets"));
  streets.setOption({
    tooltip: {trigger: "axis"}, legend: {data: [t.average_days, t.recurrent]},
    grid: {left: 40, right: 40, bottom: 60, top: 40},
    xAxis: {type: "category", data: data.streets, axisLabel: {rotate: 30}},
    yAxis: [{type: "value", name: t.average_days}, {type: "value", name: t.recurrent}],
    series: [{name: t.average_days, type: "bar", data: data.average_days, itemStyle: {color: "#f57c00"}},
             {name: t.recurrent, type: "line", yAxisIndex: 1, data: data.recurrent, itemStyle: {color: "#6a1b9a"}}]
  });
  document.body.dataset.charts = "ready";
  window.addEventListener("resize", function () { months.resize(); streets.resize(); });
})();
