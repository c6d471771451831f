// The device page's chart of readings (ECharts), read from the scoped API.
(function () {
  "use strict";
  var el = document.getElementById("readings-chart");
  if (!el || !window.echarts) { return; }
  fetch(el.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var chart = echarts.init(el);
      var series = [{type: "line", showSymbol: false, data: data.points}];
      if (data.threshold !== null && data.threshold !== undefined) {
        series[0].markLine = {symbol: "none", lineStyle: {color: "#d32f2f"}, data: [{yAxis: data.threshold}]};
      }
      chart.setOption({grid: {left: 40, right: 10, top: 10, bottom: 30}, tooltip: {trigger: "axis"},
                       xAxis: {type: "time"}, yAxis: {type: "value", scale: true}, series: series});
      el.dataset.points = String(data.points.length);
      window.addEventListener("resize", function () { chart.resize(); });
    })
    .catch(function () { el.dataset.points = "error"; });
})();
