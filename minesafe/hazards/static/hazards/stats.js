// Charts of the hazard statistics page, drawn from data the page embeds (no network).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("charts-data").textContent);
  var look = window.minesafe.chart;
  var charts = [];
  var month = echarts.init(document.getElementById("chart-month"));
  month.setOption({
    tooltip: { trigger: "axis" }, legend: { data: ["一般隐患", "重大事故隐患"] }, grid: look.grid(),
    xAxis: { type: "category", data: data.months, axisLabel: look.axisLabel }, yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "一般隐患", type: "bar", stack: "n", data: data.general, itemStyle: { color: "#1c7ed6" } },
      { name: "重大事故隐患", type: "bar", stack: "n", data: data.major, itemStyle: { color: "#d6336c" } }
    ]
  });
  charts.push(month);
  var category = echarts.init(document.getElementById("chart-category"));
  category.setOption({
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: look.pieRadius, data: data.category, label: look.pieLabel }]
  });
  charts.push(category);
  var mine = echarts.init(document.getElementById("chart-mine"));
  mine.setOption({
    tooltip: {}, grid: look.grid({ top: 12 }),
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.mines.slice().reverse(), axisLabel: look.categoryLabel },
    series: [{ type: "bar", data: data.mine_counts.slice().reverse(), itemStyle: { color: "#e8590c" } }]
  });
  charts.push(mine);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
