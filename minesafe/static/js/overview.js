// Charts of the county overview, drawn from data the page embeds (no network).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("charts-data").textContent);
  var colors = ["#2f9e44", "#1c7ed6", "#1098ad", "#e8590c", "#868e96", "#d6336c", "#343a40"];
  function pie(id, rows, palette) {
    var chart = echarts.init(document.getElementById(id));
    chart.setOption({
      color: palette,
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: window.minesafe.chart.pieRadius,
                 data: rows.filter(function (r) { return r.value > 0; }), label: window.minesafe.chart.pieLabel }]
    });
    return chart;
  }
  var charts = [
    pie("chart-status", data.status, colors),
    pie("chart-gas", data.gas, ["#2f9e44", "#e6a700", "#d6336c"])
  ];
  var bar = echarts.init(document.getElementById("chart-class"));
  bar.setOption({
    tooltip: {}, grid: window.minesafe.chart.grid(),
    xAxis: { type: "category", data: data.classes.labels, axisLabel: window.minesafe.chart.axisLabel }, yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.classes.values.map(function (v, i) {
      return { value: v, itemStyle: { color: ["#2f9e44", "#e6a700", "#d6336c"][i] } };
    }), label: { show: true, position: "top" } }]
  });
  charts.push(bar);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
