// Campaign progress chart (HAZ-8), drawn from data the page embeds (no network).
document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("chart-status");
  if (!window.echarts || !holder) return;
  var palette = { grey: "#868e96", blue: "#1c7ed6", green: "#2f9e44", orange: "#e8590c" };
  var rows = JSON.parse(document.getElementById("campaign-chart").textContent);
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: window.minesafe.chart.pieRadius, label: window.minesafe.chart.pieLabel,
               data: rows.filter(function (r) { return r.value > 0; }).map(function (r) {
                 return { name: r.name, value: r.value, itemStyle: { color: palette[r.color] } };
               }) }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
