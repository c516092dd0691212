// 三违 statistics charts (VIO-1), drawn from data the page embeds (no network).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("violation-charts").textContent);
  var look = window.minesafe.chart;
  var charts = [];
  var months = echarts.init(document.getElementById("chart-months"));
  months.setOption({
    color: ["#d6336c", "#e8590c", "#1c7ed6", "#343a40"],
    tooltip: { trigger: "axis" }, legend: {}, grid: look.grid(),
    xAxis: { type: "category", data: data.months, axisLabel: look.axisLabel }, yAxis: { type: "value", minInterval: 1 },
    series: data.kinds.map(function (k) { return { name: k.name, type: "bar", stack: "kind", data: k.data }; })
      .concat([{ name: "严重三违", type: "line", data: data.serious }])
  });
  charts.push(months);
  function bars(id, rows) {
    var chart = echarts.init(document.getElementById(id));
    var ordered = rows.slice().reverse();
    chart.setOption({
      tooltip: {}, grid: look.grid({ top: 12 }),
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: ordered.map(function (r) { return r[0]; }), axisLabel: look.categoryLabel },
      series: [{ type: "bar", data: ordered.map(function (r) { return r[1]; }), itemStyle: { color: "#1c7ed6" } }]
    });
    charts.push(chart);
  }
  bars("chart-mines", data.mines);
  bars("chart-teams", data.teams);
  bars("chart-persons", data.persons);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
