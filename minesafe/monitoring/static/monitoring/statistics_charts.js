// Alarm statistics: counts by kind (bar), by month split by level (stacked bars), by mine.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  var d = JSON.parse(document.getElementById("statistics-data").textContent);
  var colors = ["#dc2626", "#ea580c", "#ca8a04", "#2563eb"];
  var bar = function (id, rows, color) {
    var box = document.getElementById(id);
    if (!box) { return; }
    echarts.init(box).setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 120, right: 20, top: 10, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r[0]; }) },
      series: [{ type: "bar", data: rows.map(function (r) { return r[1]; }), itemStyle: { color: color } }]
    });
  };
  bar("chart-kinds", d.kinds, "#2563eb");
  bar("chart-mines", d.mines, "#0891b2");
  var months = document.getElementById("chart-months");
  if (months) {
    echarts.init(months).setOption({
      tooltip: { trigger: "axis" },
      legend: { data: d.levels },
      xAxis: { type: "category", data: d.months.map(function (r) { return r[0]; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: d.levels.map(function (label, i) {
        return { name: label, type: "bar", stack: "n", itemStyle: { color: colors[i] },
                 data: d.months.map(function (r) { return r[i + 1]; }) };
      })
    });
  }
});
